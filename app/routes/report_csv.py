"""CSV downloads of reports: ``GET /reports/{kind}.csv?from=...&to=...&departmentId=...
&granularity=...`` with the session cookie or a bearer token. The same service (and so the same
policy and input checks) as the GraphQL ``report`` query; kinds and granularities in lower case
(``ticket_volume``, ``week``), times ISO 8601."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from app.auth.actor import Actor
from app.auth.credentials import actor_from_secret, presented_secret
from app.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from app.i18n import Msg, Translator, from_accept_language, translate, translator
from app.schema.core.ids import optional_id
from app.services import reports

_HEADERS = {"Cache-Control": "private, no-cache", "X-Content-Type-Options": "nosniff"}


def _status(error: DomainError) -> int:
    if isinstance(error, NotAuthenticated):
        return 401
    if isinstance(error, PermissionDenied):
        return 403
    return 404 if isinstance(error, NotFound) else 400


def _moment(request: Request, name: str) -> datetime:
    try:
        return datetime.fromisoformat(request.query_params.get(name, ""))
    except ValueError:
        raise ValidationFailed.single(name, "Give an ISO 8601 time.") from None


def _translator(request: Request, actor: Actor | None) -> Translator:
    """The requester's language: their profile's, else ``Accept-Language``, else the default."""
    default = request.app.state.helpdesk.settings.default_language
    language = actor.language if actor is not None else None
    if not language:
        language = from_accept_language(request.headers.get("accept-language"), default)
    return translator(language, default_language=default)


async def report_csv(request: Request) -> Response:
    actor = await actor_from_secret(presented_secret(request))
    query = request.query_params
    try:
        try:
            kind = reports.ReportKind(request.path_params["kind"])
        except ValueError:
            raise NotFound("No such report.") from None
        try:
            granularity = reports.Granularity(query.get("granularity", "day"))
        except ValueError:
            choices = ", ".join(g.value for g in reports.Granularity)
            raise ValidationFailed.single(
                "granularity", Msg("Give one of {choices}.", choices=choices)
            ) from None
        result = await reports.report(
            actor=actor,
            kind=kind,
            start=_moment(request, "from"),
            end=_moment(request, "to"),
            department_id=optional_id(query.get("departmentId") or None, "departmentId"),
            granularity=granularity,
        )
    except DomainError as error:
        text = translate(_translator(request, actor), error.message)
        return PlainTextResponse(text, status_code=_status(error), headers=_HEADERS)
    name = f"{kind.value}-{result.query.start.date()}-{result.query.end.date()}.csv"
    keys = query.get("headers") == "keys"
    return Response(
        reports.to_csv(result, None if keys else _translator(request, actor)),
        media_type="text/csv; charset=utf-8",
        headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


routes: list[BaseRoute] = [Route("/reports/{kind}.csv", report_csv, methods=["GET"])]
