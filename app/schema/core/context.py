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
from app.i18n import Translator, from_accept_language, translate, translator
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

    def translator(self) -> Translator:
        """The actor's language: their profile's, else the request's ``Accept-Language``, else
        ``DEFAULT_LANGUAGE``."""
        cached = self.state.get("translator")
        if isinstance(cached, Translator):
            return cached
        default = self.settings.default_language
        language = self.actor.language if self.actor else None
        if not language and self.request is not None:
            language = from_accept_language(self.request.headers.get("accept-language"), default)
        made = translator(language, default_language=default)
        self.state["translator"] = made
        return made

    def say(self, text: str) -> str:
        """``text`` (English, or a ``Msg``) in the actor's language."""
        return translate(self.translator(), text)

    def client_address(self) -> str | None:
        if self.request is None or self.request.client is None:
            return None
        return self.request.client.host


Info = strawberry.Info[Context, None]
