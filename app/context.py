"""The per-request GraphQL context: who is asking, fresh loaders, and shared resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.auth.actor import Actor, actor_for
from app.auth.tokens import resolve_token
from app.config import Settings
from app.models import MessageSource
from app.resolvers.loaders import Loaders

SESSION_COOKIE = "helpdesk_session"


@dataclass
class Context:
    settings: Settings
    redis: Redis
    actor: Actor | None
    request: HTTPConnection | None = None
    response: Response | None = None
    loaders: Loaders = field(default_factory=Loaders)
    request_id: str = "-"
    state: dict[str, Any] = field(default_factory=dict)
    message_source: MessageSource = MessageSource.WEB
    connection_params: dict[str, Any] | None = None

    def client_address(self) -> str | None:
        if self.request is None or self.request.client is None:
            return None
        return self.request.client.host


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
