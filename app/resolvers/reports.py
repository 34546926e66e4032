"""Reports: staff (their departments) and admins; the service checks access and input."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import ErrorsAsData
from app.schema.core.ids import optional_id
from app.schema.reports import Granularity, Report, ReportKind, ReportResult
from app.services import reports


@strawberry.type
class ReportQueries:
    @strawberry.field(
        description="A report over [from, to) (at most two years) of one department or, without "
        "departmentId, of every department the caller works in (admins: all).",
        extensions=[ErrorsAsData()],
    )
    async def report(
        self,
        info: Info,
        kind: ReportKind,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        department_id: strawberry.ID | None = None,
        granularity: Granularity | None = None,
    ) -> ReportResult:
        result = await reports.report(
            actor=info.context.actor,
            kind=kind,
            start=from_,
            end=to,
            department_id=optional_id(department_id, "departmentId"),
            granularity=granularity,
        )
        return Report.of(result, info.context.translator())
