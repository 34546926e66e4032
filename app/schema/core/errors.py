"""Typed errors: every mutation returns its payload or one of these, mapped centrally."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Union

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField

from app import errors
from app.i18n import N_
from app.infra.redis import REDIS_AWAY
from app.schema.core.text_guard import check_arguments

log = logging.getLogger(__name__)


@strawberry.interface
class Error:
    message: str
    code: str
    field: str | None


@strawberry.type
class FieldError:
    field: str
    message: str


@strawberry.type
class ValidationError(Error):
    field_errors: list[FieldError]


@strawberry.type
class PermissionDenied(Error):
    pass


@strawberry.type
class NotFound(Error):
    pass


@strawberry.type
class Conflict(Error):
    pass


@strawberry.type
class RateLimited(Error):
    pass


@strawberry.type(description="A dependency (Redis) is away; retry later.")
class Unavailable(Error):
    pass


_PLAIN_ERRORS: tuple[tuple[type[errors.DomainError], type[Error]], ...] = (
    (errors.PermissionDenied, PermissionDenied),
    (errors.NotFound, NotFound),
    (errors.Conflict, Conflict),
    (errors.RateLimited, RateLimited),
    (errors.Unavailable, Unavailable),
)
ERROR_TYPES = (ValidationError, PermissionDenied, NotFound, Conflict, RateLimited, Unavailable)


def _redis_away(exc: Exception, info: Any) -> Error:
    """Redis going away is an answer (``Unavailable``), not a fault, wherever a mutation
    meets it."""
    log.warning("mutation answered Unavailable: Redis is away (%s)", exc)
    away = errors.Unavailable(N_("A service the helpdesk needs is away. Try again shortly."))
    return to_error(away, info)


def _keep(text: str) -> str:
    return text


def to_error(exc: errors.DomainError, info: Any = None) -> Error:
    """The typed error of ``exc``; its messages in the actor's language when ``info`` is given
    (the ``code``, ``field`` and the type stay as they are, whatever the language)."""
    say = info.context.say if info is not None else _keep
    if isinstance(exc, errors.ValidationFailed):
        return ValidationError(
            message=say(exc.message),
            code=exc.code,
            field=exc.field,
            field_errors=[FieldError(field=f, message=say(m)) for f, m in exc.errors.items()],
        )
    for domain, graphql_type in _PLAIN_ERRORS:
        if isinstance(exc, domain):
            return graphql_type(message=say(exc.message), code=exc.code, field=exc.field)
    raise exc


class ErrorsAsData(FieldExtension):
    """Turns a domain error raised by a service into the mutation's typed error result, and
    refuses control characters in the arguments before the resolver runs."""

    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            check_arguments(kwargs)
            return next_(source, info, **kwargs)
        except errors.DomainError as exc:
            return to_error(exc, info)
        except REDIS_AWAY as exc:
            return _redis_away(exc, info)

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        try:
            check_arguments(kwargs)
            return await next_(source, info, **kwargs)
        except errors.DomainError as exc:
            return to_error(exc, info)
        except REDIS_AWAY as exc:
            return _redis_away(exc, info)


def mutation(**options: Any) -> Any:
    """``strawberry.mutation`` whose domain errors come back as typed results."""

    def decorate(resolver: Any) -> StrawberryField:
        return strawberry.mutation(resolver, extensions=[ErrorsAsData()], **options)

    return decorate


def result_union(name: str, payload: type) -> Any:
    """``payload | ValidationError | PermissionDenied | ...`` as a named GraphQL union."""
    members = Union[(payload, *ERROR_TYPES)]  # type: ignore[valid-type]
    return Annotated[members, strawberry.union(name)]
