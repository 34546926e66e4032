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


async def test_a_german_user_gets_german_headers_and_labels(live_server, gql, seeded) -> None:
    """The file is in the requester's language (profile, else Accept-Language); names and
    numbers stay; ``headers=keys`` is the stable machine form, the same in every language."""
    w = seeded
    w.staff_x.user.language = "de"
    await w.staff_x.user.save()
    from app.infra import actor_generation

    await actor_generation.bump()
    volume = await get(live_server, "ticket_volume.csv", token=w.staff_x.token)
    assert volume.text.splitlines()[:2] == ["Bezeichnung,Eröffnet,Geschlossen", "2026-03-02,2,0"]
    times = (await get(live_server, "response_times.csv", token=w.staff_x.token)).text
    assert times.splitlines()[0].startswith("Gruppe,Bezeichnung,Erste Antwort Median,")
    assert "Abteilung,Support,1200,3120,3,64800,82080,2" in times.splitlines()
    assert "Mitarbeitende,Nicht zugewiesen,1200,1200,1,43200,43200,1" in times.splitlines()
    hours = (await get(live_server, "busiest_hours.csv", token=w.staff_x.token)).text
    assert [line.split(",")[0] for line in hours.splitlines()[1:3]] == ["Montag", "Dienstag"]
    backlog = (await get(live_server, "backlog.csv", token=w.staff_x.token)).text.splitlines()
    assert backlog[0] == "Bezeichnung,Offen,Beantwortet,Kundenantwort,In Bearbeitung,Zurückgestellt"
    # A refusal is German as well; its status is the same.
    yearly = await get(live_server, "backlog.csv", token=w.staff_x.token, granularity="year")
    assert (yearly.status_code, yearly.text) == (400, "Geben Sie eines von day, week, month an.")
    # The machine form, for a German user and an English one alike.
    for person in (w.staff_x, w.admin):
        keys = await get(live_server, "ticket_volume.csv", token=person.token, headers="keys")
        assert keys.text.splitlines()[:2] == ["key,opened,closed", "2026-03-02,2,0"]
    sla = await get(live_server, "sla_compliance.csv", token=w.staff_x.token, headers="keys")
    assert sla.text.splitlines()[0] == "key,met,breached,pending,met_share"
    assert [line.split(",")[0] for line in sla.text.splitlines()[1:]] == [
        "FIRST_RESPONSE",
        "RESOLUTION",
    ]
    # Signed in as nobody in particular, the browser's language decides.
    async with httpx.AsyncClient() as http:
        english_admin = await http.get(
            f"{live_server}/reports/ticket_volume.csv",
            params=PARAMS,
            headers={"Authorization": f"Bearer {w.admin.token}", "Accept-Language": "de"},
        )
    assert english_admin.text.splitlines()[0] == "Bezeichnung,Eröffnet,Geschlossen"
