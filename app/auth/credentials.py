"""Who a request is: the bearer token or the session cookie it presents, turned into an Actor."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from app.auth.actor import Actor, actor_for
from app.auth.tokens import resolve_token

SESSION_COOKIE = "helpdesk_session"


def bearer_from_header(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def actor_from_secret(secret: str | None) -> Actor | None:
    if not secret:
        return None
    record = await resolve_token(secret)
    if record is None:
        return None
    return await actor_for(record.user, token_id=record.id)


def presented_secret(connection: HTTPConnection) -> str | None:
    """The bearer token, else the session cookie."""
    return bearer_from_header(connection.headers.get("authorization")) or connection.cookies.get(
        SESSION_COOKIE
    )
