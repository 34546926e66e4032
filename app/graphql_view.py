"""The Strawberry ASGI view: authentication and the per-request (or per-socket) context.

WebSockets speak graphql-transport-ws only. A socket authenticates in ``connection_init``
(payload ``{"authorization": "Bearer <token>"}``) or, without that key, by the session cookie;
anything else is refused (4403). Authenticated sockets are registered with the process's
``LiveUpdates``, which closes them when their session is revoked (4401) or they must resync
(4205); see ``app.live.connections``.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSchema, GraphQLSyntaxError
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.unset import UNSET

from app.auth.credentials import (
    SESSION_COOKIE,
    actor_and_generation,
    actor_from_secret,
    bearer_from_header,
)
from app.live.connections import LiveConnection
from app.live.prepared import current_operation
from app.live.runtime import LiveUpdates
from app.models import MessageSource
from app.multipart import MalformedMultipart, place_files
from app.routes.web import graphiql_response
from app.schema.core.context import Context
from app.schema.core.loaders import Loaders

CONNECTION_INIT_TIMEOUT = timedelta(seconds=10)

log = logging.getLogger("app.graphql")


def encode_json(data: object) -> bytes:
    """orjson (several times faster than the standard library on a page of rows); the standard
    library for what orjson refuses (an integer over 64 bits in a JSON scalar)."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return json.dumps(data, separators=(",", ":")).encode()


class LiveTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, plus closing from the server side and forgetting the socket (and
    its presences) when it ends."""

    async def close_from_server(self, code: int, reason: str) -> None:
        """Stop every operation first, so that none is sending while the socket closes."""
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=code, reason=reason)

    @staticmethod
    def _get_pre_execution_close_reason(error: GraphQLError) -> str | None:
        """A document that does not parse, or is over the token limit, is the operation's error
        (an ``error`` message, as over HTTP); only a missing operation still closes (4400)."""
        if isinstance(error, GraphQLSyntaxError):
            return None
        return BaseGraphQLTransportWSHandler._get_pre_execution_close_reason(error)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        """Runs as the operation's own task: its subscription resolver finds it here."""
        current_operation.set(operation)
        await super().run_operation(operation)

    async def handle(self) -> None:
        self.context.state["closer"] = self.close_from_server
        await super().handle()

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            connection = self.context.state.get("connection")
            if isinstance(connection, LiveConnection):
                await self.context.state["live"].disconnect(connection)


class HelpdeskGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LiveTransportWSHandler

    def __init__(self, schema: Any, *, app_state: Any, **options: Any) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
            multipart_uploads_enabled=True,
            max_subscriptions_per_connection=app_state.settings.max_subscriptions_per_connection,
            **options,
        )
        self.app_state = app_state
        # graphql-core's schema: the multipart reader checks where files go against it.
        self.core_schema: GraphQLSchema = schema._schema

    def decode_json(self, data: str | bytes) -> object:
        """Every body that is not JSON raises ``JSONDecodeError``, which Strawberry answers with
        a 400 over HTTP and a 4400 close over WebSocket: bytes that are not UTF-8 and nesting
        deeper than the decoder's recursion raised other errors, answered 500 (and an abrupt
        close of the socket)."""
        try:
            return json.loads(data)
        except (UnicodeDecodeError, RecursionError) as error:
            raise json.JSONDecodeError(f"not JSON ({type(error).__name__})", "", 0) from None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except ClientDisconnect:
            # The client went away before its request was read (a closed tab, the end of a
            # load test): nothing to answer and nothing wrong here.
            log.debug("client disconnected before its request was read: %s", scope.get("path"))

    def encode_json(self, data: object) -> str:
        """Text, for WebSocket frames (graphql-transport-ws is text); HTTP answers take the
        bytes of ``create_response``."""
        return encode_json(data).decode()

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = Response(encode_json(response_data), media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        if sub_response.background:
            response.background = sub_response.background
        if sub_response.status_code:
            response.status_code = sub_response.status_code
        return response

    async def parse_multipart(self, request: Any) -> dict[str, Any]:
        # The parser stops past twice the per-message file limit (400, naming the limit), so a
        # request of a thousand tiny files costs little; up to there the service's typed
        # error names the limit.
        limit = 2 * self.app_state.settings.max_files_per_message
        try:
            form = await request._request.form(max_files=limit, max_fields=20)
        except ValueError:
            raise HTTPException(400, "Unable to parse the multipart body.") from None
        files = {k: v for k, v in form.multi_items() if isinstance(v, UploadFile)}
        fields = {k: v for k, v in form.multi_items() if not isinstance(v, UploadFile)}
        try:
            return place_files(fields.get("operations"), fields.get("map"), files, self.core_schema)
        except MalformedMultipart as error:
            raise HTTPException(400, str(error)) from None

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_response()

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = self.app_state
        source = MessageSource.WEB
        actor = None
        loaders = Loaders()
        if not isinstance(request, WebSocket):  # a socket authenticates in on_ws_connect
            secret = bearer_from_header(request.headers.get("authorization"))
            if secret is None:
                secret = request.cookies.get(SESSION_COOKIE)
            elif secret.startswith("hdt_"):
                source = MessageSource.API
            actor, generation = await actor_and_generation(secret)
            # A request (never a socket's events) may read the directory this app keeps,
            # under the generation read for its token (a query only: see the executor).
            loaders = Loaders(directory=state.directory, generation=generation)
        return Context(
            settings=state.settings,
            redis=state.redis,
            actor=actor,
            loaders=loaders,
            request=request,
            response=response if isinstance(response, Response) else None,
            request_id=request.scope.get("state", {}).get("request_id", "-"),
            state={"hub": state.hub, "live": state.live},
            message_source=source,
        )

    async def on_ws_connect(self, context: Context) -> Any:
        """Authenticate by the ``connection_init`` payload if it has ``authorization``, else by
        the session cookie; register the socket. Anything else is refused."""
        payload = context.connection_params or {}
        websocket = context.request
        assert isinstance(websocket, WebSocket)
        if "authorization" in payload:
            value = payload["authorization"]
            secret = bearer_from_header(value if isinstance(value, str) else None)
            if secret is None:
                raise ConnectionRejectionError({"reason": "unauthenticated"})
            if secret.startswith("hdt_"):
                context.message_source = MessageSource.API
        else:
            secret = websocket.cookies.get(SESSION_COOKIE)
        context.actor = await actor_from_secret(secret)
        if context.actor is None:
            raise ConnectionRejectionError({"reason": "unauthenticated"})
        live: LiveUpdates = context.state["live"]
        context.state["connection"] = live.connect(context.actor, context.state["closer"])
        return UNSET
