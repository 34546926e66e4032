"""CSV downloads of reports: the same numbers and the same access as the GraphQL query."""

from __future__ import annotations

import httpx

from tests.reports.seed import END, START

PARAMS = {"from": START.isoformat(), "to": END.isoformat()}


async def get(live_server, path, token=None, cookie=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    cookies = {"helpdesk_session": cookie} if cookie else {}
    async with httpx.AsyncClient(cookies=cookies) as http:
        return await http.get(
            f"{live_server}/reports/{path}", params={**PARAMS, **params}, headers=headers
        )


async def test_csv_has_the_reports_table(live_server, gql, seeded) -> None:
    w = seeded
    response = await get(live_server, "ticket_volume.csv", token=w.admin.token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.splitlines() == [
        "label,Opened,Closed",
        "2026-03-02,2,0",
        "2026-03-03,1,1",
        "2026-03-04,1,1",
    ]
    times = await get(live_server, "response_times.csv", cookie=w.staff_x.token)
    assert times.status_code == 200
    assert "department,Support,1200,3120,3,64800,82080,2" in times.text.splitlines()


async def test_csv_refuses_as_the_query_does(live_server, gql, seeded) -> None:
    w = seeded
    assert (await get(live_server, "backlog.csv")).status_code == 401
    for client in (w.client_a, w.client_b):
        assert (await get(live_server, "backlog.csv", token=client.token)).status_code == 403
    other = await get(live_server, "backlog.csv", token=w.staff_x.token, departmentId=w.dept_y.id)
    assert other.status_code == 404
    assert (await get(live_server, "backlog.csv", token=w.staff_y.token,
                      departmentId=w.dept_x.id)).status_code == 404  # fmt: skip
    assert (await get(live_server, "nope.csv", token=w.admin.token)).status_code == 404
    backwards = await get(live_server, "backlog.csv", token=w.admin.token, to=START.isoformat())
    assert backwards.status_code == 400
    far = await get(live_server, "backlog.csv", token=w.admin.token,
                    **{"from": "9998-01-01T00:00:00+00:00", "to": "9999-12-31T00:00:00+00:00"})  # fmt: skip
    assert far.status_code == 400
    yearly = await get(live_server, "backlog.csv", token=w.admin.token, granularity="year")
    assert (yearly.status_code, yearly.text) == (400, "Give one of day, week, month.")


async def test_csv_names_are_never_formulas(live_server, gql, seeded) -> None:
    w = seeded
    w.staff_x.user.name = "=HYPERLINK(1)"
    await w.staff_x.user.save()
    response = await get(live_server, "response_times.csv", token=w.admin.token)
    assert "staff,'=HYPERLINK(1),2100,3300,2,86400,86400,1" in response.text.splitlines()
