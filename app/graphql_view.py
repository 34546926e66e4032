"""The Strawberry ASGI view: authentication, CSRF rule, and the per-request context."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from app.context import (
    SESSION_COOKIE,
    Context,
    actor_from_secret,
    bearer_from_header,
)
from app.models import MessageSource

CSRF_HEADERS = ("x-requested-with", "graphql-preflight", "apollo-require-preflight")


class CsrfRejected(Exception):
    pass


class HelpdeskGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: Any, *, app_state: Any, **options: Any) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            multipart_uploads_enabled=True,
            max_subscriptions_per_connection=app_state.settings.max_subscriptions_per_connection,
            **options,
        )
        self.app_state = app_state

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = self.app_state
        secret = bearer_from_header(request.headers.get("authorization"))
        source = MessageSource.WEB
        if secret is None:
            secret = request.cookies.get(SESSION_COOKIE)
        elif secret.startswith("hdt_"):
            source = MessageSource.API
        actor = await actor_from_secret(secret)
        context = Context(
            settings=state.settings,
            redis=state.redis,
            actor=actor,
            request=request,
            response=response if isinstance(response, Response) else None,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
            state={"hub": state.hub},
            message_source=source,
        )
        return context

    async def on_ws_connect(self, context: Context) -> Any:
        """Authenticate a socket by ``connection_init`` payload, else by the session cookie;
        an unauthenticated socket is refused."""
        payload = context.connection_params or {}
        token = bearer_from_header(str(payload.get("authorization") or ""))
        if token is not None:
            context.actor = await actor_from_secret(token)
        if context.actor is None:
            raise ConnectionRejectionError({"reason": "unauthenticated"})
        return UNSET
