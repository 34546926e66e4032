"""The report query: each kind's numbers for a known history (the same on SQLite and
PostgreSQL), who may ask for which departments, and bad input as typed errors."""

from __future__ import annotations

from datetime import UTC, datetime

from app.models import BusinessCalendar
from tests.reports.seed import END, NOW, START

REPORT = """
query($kind: ReportKind!, $from: DateTime!, $to: DateTime!, $dept: ID, $g: Granularity) {
  report(kind: $kind, from: $from, to: $to, departmentId: $dept, granularity: $g) {
    __typename
    ... on Report { kind timeZone granularity departmentId
                    columns { key label unit } rows { key label group values } }
    ... on Error { code message field } } }
"""

KINDS = [
    "TICKET_VOLUME", "BACKLOG", "RESPONSE_TIMES", "SLA_COMPLIANCE", "BUSIEST_HOURS", "SATISFACTION",
]  # fmt: skip


async def ask(gql, person, kind, dept=None, start=START, end=END, granularity=None):
    variables = {
        "kind": kind,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "dept": None if dept is None else str(dept),
        "g": granularity,
    }
    data = await gql.data(REPORT, variables, token=person.token if person else None)
    return data["report"]


def table(report):
    assert report["__typename"] == "Report", report
    return {row["label"]: row["values"] for row in report["rows"]}


async def test_ticket_volume_per_day_and_week(gql, seeded) -> None:
    w = seeded
    admin = table(await ask(gql, w.admin, "TICKET_VOLUME"))
    assert admin == {"2026-03-02": [2, 0], "2026-03-03": [1, 1], "2026-03-04": [1, 1]}
    staff_x = table(await ask(gql, w.staff_x, "TICKET_VOLUME"))
    assert staff_x == {"2026-03-02": [2, 0], "2026-03-03": [1, 1], "2026-03-04": [0, 1]}
    staff_y = table(await ask(gql, w.staff_y, "TICKET_VOLUME"))
    assert staff_y == {"2026-03-02": [0, 0], "2026-03-03": [0, 0], "2026-03-04": [1, 0]}
    week = await ask(gql, w.admin, "TICKET_VOLUME", granularity="WEEK")
    assert table(week) == {"2026-03-02": [4, 2]}
    assert [c["key"] for c in week["columns"]] == ["opened", "closed"]
    month = await ask(gql, w.admin, "TICKET_VOLUME", start=datetime(2026, 2, 20, tzinfo=UTC),
                      granularity="MONTH")  # fmt: skip
    assert table(month) == {"2026-02-01": [0, 0], "2026-03-01": [5, 2]}


async def test_backlog_by_status_from_the_audit_trail(gql, seeded) -> None:
    w = seeded
    report = await ask(gql, w.admin, "BACKLOG")
    assert [c["key"] for c in report["columns"]] == [
        "open", "answered", "customer_reply", "in_progress", "on_hold",
    ]  # fmt: skip
    # End of Mar 2: t0 open, t1 and t2 answered; Mar 3: t1 closed, t3 open; Mar 4: t3
    # closed, t4 open. t2's move to In Progress and t5 come after the span.
    assert table(report) == {
        "2026-03-02": [1, 2, 0, 0, 0],
        "2026-03-03": [2, 1, 0, 0, 0],
        "2026-03-04": [2, 1, 0, 0, 0],
    }
    assert table(await ask(gql, w.staff_y, "BACKLOG")) == {
        "2026-03-02": [0, 0, 0, 0, 0],
        "2026-03-03": [0, 0, 0, 0, 0],
        "2026-03-04": [1, 0, 0, 0, 0],
    }


async def test_response_times_per_department_and_staff(gql, seeded) -> None:
    w = seeded
    report = await ask(gql, w.admin, "RESPONSE_TIMES")
    groups = {(row["group"], row["label"]): row["values"] for row in report["rows"]}
    # Support's first responses 600, 1200, 3600 s; resolutions 43200, 86400 s.
    assert groups == {
        ("department", "Support"): [1200, 3120, 3, 64800, 82080, 2],
        ("staff", "Xavier Staff"): [2100, 3300, 2, 86400, 86400, 1],
        ("staff", "Unassigned"): [1200, 1200, 1, 43200, 43200, 1],
    }
    assert [c["unit"] for c in report["columns"]][:3] == ["SECONDS", "SECONDS", "COUNT"]
    assert (await ask(gql, w.staff_y, "RESPONSE_TIMES"))["rows"] == []


async def test_sla_compliance_per_target(gql, seeded) -> None:
    w = seeded
    assert table(await ask(gql, w.admin, "SLA_COMPLIANCE")) == {
        "First response": [1, 2, 0, 33.3],
        "Resolution": [0, 1, 1, 0],
    }
    assert table(await ask(gql, w.staff_y, "SLA_COMPLIANCE")) == {
        "First response": [0, 1, 0, 0],
        "Resolution": [0, 0, 0, None],
    }


async def test_busiest_hours_in_the_departments_zone(gql, seeded) -> None:
    w = seeded
    report = await ask(gql, w.admin, "BUSIEST_HOURS")
    assert report["timeZone"] == "UTC"
    grid = table(report)
    assert grid["Monday"][9] == 1 and grid["Monday"][10] == 1
    assert grid["Tuesday"][12] == 1 and grid["Wednesday"][15] == 1
    assert sum(sum(day) for day in grid.values()) == 4
    await BusinessCalendar.create(
        department=w.dept_x, timezone="Europe/Berlin", weekly={}, holidays=[], updated_at=NOW
    )
    berlin = await ask(gql, w.staff_x, "BUSIEST_HOURS", dept=w.dept_x.id)
    assert berlin["timeZone"] == "Europe/Berlin"
    grid = table(berlin)
    assert grid["Monday"][10] == 1 and grid["Monday"][11] == 1 and grid["Tuesday"][13] == 1
    assert sum(sum(day) for day in grid.values()) == 3


async def test_satisfaction_counts_current_ratings_per_period(gql, seeded) -> None:
    w = seeded
    report = await ask(gql, w.admin, "SATISFACTION")
    assert [c["key"] for c in report["columns"]] == ["good", "bad", "score"]
    # t3's first (Good) rating was replaced by Bad: only the current one counts.
    assert table(report) == {
        "2026-03-02": [0, 0, None],
        "2026-03-03": [1, 0, 100],
        "2026-03-04": [1, 1, 50],
    }
    assert table(await ask(gql, w.staff_x, "SATISFACTION")) == {
        "2026-03-02": [0, 0, None],
        "2026-03-03": [1, 0, 100],
        "2026-03-04": [0, 1, 0],
    }
    assert table(await ask(gql, w.staff_y, "SATISFACTION", granularity="WEEK")) == {
        "2026-03-02": [1, 0, 100]
    }


async def test_who_may_ask_for_which_departments(gql, seeded) -> None:
    w = seeded
    for kind in KINDS:
        for client in (w.client_a, w.client_b):
            report = await ask(gql, client, kind)
            assert report["code"] == "PERMISSION_DENIED", report
            report = await ask(gql, client, kind, dept=w.dept_x.id)
            assert report["code"] == "PERMISSION_DENIED", report
        assert (await ask(gql, None, kind))["code"] == "NOT_AUTHENTICATED"
        for staff, theirs, other in (
            (w.staff_x, w.dept_x, w.dept_y),
            (w.staff_y, w.dept_y, w.dept_x),
        ):
            report = await ask(gql, staff, kind, dept=other.id)
            assert report["__typename"] == "NotFound", report
            assert report["field"] == "departmentId"
            assert (await ask(gql, staff, kind, dept=theirs.id))["__typename"] == "Report"
        for dept in (w.dept_x, w.dept_y, None):
            report = await ask(gql, w.admin, kind, dept=None if dept is None else dept.id)
            assert report["__typename"] == "Report"
        assert (await ask(gql, w.admin, kind, dept=999999))["__typename"] == "NotFound"
    # A staff member's own department equals their default scope.
    mine = await ask(gql, w.staff_x, "TICKET_VOLUME", dept=w.dept_x.id)
    assert table(mine) == table(await ask(gql, w.staff_x, "TICKET_VOLUME"))
    assert table(mine) != table(await ask(gql, w.admin, "TICKET_VOLUME"))


async def test_bad_input_is_a_typed_error(gql, seeded) -> None:
    w = seeded
    backwards = await ask(gql, w.admin, "TICKET_VOLUME", start=END, end=START)
    assert (backwards["__typename"], backwards["field"]) == ("ValidationError", "to")
    long = await ask(gql, w.admin, "BACKLOG", end=datetime(2029, 1, 1, tzinfo=UTC))
    assert (long["__typename"], long["field"]) == ("ValidationError", "to")
    bad_id = await ask(gql, w.staff_x, "BACKLOG", dept="x1")
    assert (bad_id["__typename"], bad_id["field"]) == ("ValidationError", "departmentId")
    # Periods near the end of the calendar would overflow: a typed error, not an internal one.
    for kind in KINDS:
        far = await ask(gql, w.admin, kind, start=datetime(9998, 1, 1, tzinfo=UTC),
                        end=datetime(9999, 12, 31, tzinfo=UTC))  # fmt: skip
        assert (far["__typename"], far["field"]) == ("ValidationError", "from"), far


async def test_labels_are_in_the_users_language_and_keys_stay(gql, seeded):
    w = seeded
    await gql.data(
        'mutation { updateProfile(language: "de") { __typename } }', token=w.staff_x.token
    )
    variables = {"from": START.isoformat(), "to": END.isoformat()}

    async def report(kind, person):
        data = await gql.data(REPORT, {**variables, "kind": kind}, token=person.token)
        return data["report"]

    german, english = (
        await report("SLA_COMPLIANCE", w.staff_x),
        await report("SLA_COMPLIANCE", w.admin),
    )
    assert [c["label"] for c in german["columns"]] == [
        "Eingehalten",
        "Verletzt",
        "Ausstehend",
        "Eingehalten %",
    ]
    assert [r["label"] for r in german["rows"]] == ["Erste Antwort", "Lösung"]
    assert [c["key"] for c in german["columns"]] == [c["key"] for c in english["columns"]]
    assert [r["key"] for r in german["rows"]] == [r["key"] for r in english["rows"]]
    assert [c["label"] for c in english["columns"]] == ["Met", "Breached", "Pending", "Met %"]
    times = await report("RESPONSE_TIMES", w.staff_x)
    assert "Support" in [r["label"] for r in times["rows"]]  # names stay as people gave them
    refused = await gql.data(
        REPORT, {**variables, "kind": "BACKLOG", "to": START.isoformat()}, token=w.staff_x.token
    )
    assert refused["report"] == {
        "__typename": "ValidationError",
        "code": "VALIDATION_ERROR",
        "field": "to",
        "message": "Das Ende muss nach dem Anfang liegen.",
    }
