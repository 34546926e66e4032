"""Reports: every kind answers the same shape, a table of typed columns and labelled rows of
numbers, which the web UI both charts and lists (and the CSV route writes)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.i18n import Translator
from app.schema.core.errors import result_union
from app.services import reports

ReportKind = reports.ReportKind
Granularity = reports.Granularity
ReportUnit = reports.Unit
strawberry.enum(
    ReportKind,
    name="ReportKind",
    description="TICKET_VOLUME: opened and closed per period. BACKLOG: tickets per status "
    "(Closed left out) at the end of each period. RESPONSE_TIMES: first response and "
    "resolution times, median and p90, per department and per assignee. SLA_COMPLIANCE: met, "
    "breached and pending per target. BUSIEST_HOURS: tickets opened per weekday (rows) and hour "
    "(columns) in the report's timeZone.",
)
strawberry.enum(Granularity, name="Granularity", description="UTC days, ISO weeks, months.")
strawberry.enum(ReportUnit, name="ReportUnit", description="What a column's numbers count.")


@strawberry.type
class ReportColumn:
    key: str
    label: str
    unit: ReportUnit


@strawberry.type(description="One row: a period, department, staff member, target or weekday.")
class ReportRow:
    key: str = strawberry.field(description="Stable: a period's start date (YYYY-MM-DD), ...")
    label: str
    group: str | None = strawberry.field(
        description="RESPONSE_TIMES: department or staff (by the ticket's assignee); else null."
    )
    values: list[float | None] = strawberry.field(
        description="One per column, in order; null: nothing to measure."
    )


@strawberry.type(description="A report: its table (columns, rows), ready to chart or list.")
class Report:
    kind: ReportKind
    from_: datetime = strawberry.field(name="from")
    to: datetime
    granularity: Granularity
    department_id: strawberry.ID | None
    time_zone: str = strawberry.field(description="Of BUSIEST_HOURS' weekdays and hours.")
    columns: list[ReportColumn]
    rows: list[ReportRow]

    @classmethod
    def of(cls, result: reports.Report, t: Translator) -> Report:
        """The report with its labels in ``t``'s language (keys stay as they are)."""
        q, table = result.query, result.table
        return cls(
            kind=q.kind,
            from_=q.start,
            to=q.end,
            granularity=q.granularity,
            department_id=strawberry.ID(str(q.department_id)) if q.department_id else None,
            time_zone=table.timezone,
            columns=[
                ReportColumn(key=c.key, label=reports.marked(t, c.label), unit=c.unit)
                for c in table.columns
            ],
            rows=[
                ReportRow(
                    key=r.key,
                    label=reports.marked(t, r.label),
                    group=r.group,
                    values=list(r.values),
                )
                for r in table.rows
            ],
        )


ReportResult = result_union("ReportResult", Report)
