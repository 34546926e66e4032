"""The per-request GraphQL context: who is asking, fresh loaders, and shared resources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import strawberry
from redis.asyncio import Redis
from starlette.requests import HTTPConnection
from starlette.responses import Response

from app.auth.actor import Actor
from app.config import Settings
from app.models import MessageSource
from app.schema.core.loaders import Loaders


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


Info = strawberry.Info[Context, None]
