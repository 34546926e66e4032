"""A graphql-transport-ws client for the live tests: gql's websockets transport, plus helpers
to collect a subscription's results and to wait until the server has registered subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import websockets
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import State
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

TIMEOUT = 15.0  # upper bound for anything we wait for; normally milliseconds

EVENT_FIELDS = """
  type
  ticket { number subject status priority department { name } client { name } assignee { name } }
  message { id body internal author { name } }
"""
TICKET_EVENTS = f"subscription($n: Int!) {{ ticketEvents(number: $n) {{ {EVENT_FIELDS} }} }}"
LIST_EVENTS = f"subscription {{ ticketListEvents {{ {EVENT_FIELDS} }} }}"
PRESENCE = "subscription($n: Int!) { ticketPresence(number: $n) { state since user { name } } }"


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/graphql"


def transport(
    base: str,
    *,
    token: str | None = None,
    cookie: str | None = None,
    payload: dict[str, Any] | None = None,
    subprotocol: str = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
) -> WebsocketsTransport:
    if payload is None:
        payload = {"authorization": f"Bearer {token}"} if token else {}
    return WebsocketsTransport(
        url=ws_url(base),
        init_payload=payload,
        headers={"Cookie": f"helpdesk_session={cookie}"} if cookie else None,
        subprotocols=[subprotocol],
        connect_timeout=TIMEOUT,
        ack_timeout=TIMEOUT,
        close_timeout=TIMEOUT,
    )


@contextlib.asynccontextmanager
async def session(base: str, **options: Any) -> AsyncIterator[AsyncClientSession]:
    client = Client(transport=transport(base, **options), fetch_schema_from_transport=False)
    async with client as connected:
        yield connected


@contextlib.asynccontextmanager
async def sessions(base: str, token: str, count: int) -> AsyncIterator[list[AsyncClientSession]]:
    """``count`` sockets signed in with the same token."""
    async with contextlib.AsyncExitStack() as stack:
        yield [await stack.enter_async_context(session(base, token=token)) for _ in range(count)]


def close_code(error: BaseException | None) -> int | None:
    """The WebSocket close code the server sent, found in an exception's chain."""
    while error is not None:
        if isinstance(error, ConnectionClosed) and error.rcvd is not None:
            return error.rcvd.code
        error = error.__cause__ or error.__context__
    return None


@dataclass
class Ended:
    """The subscription ended: completed (error None) or failed."""

    error: BaseException | None


class Feed:
    """Runs one subscription in the background and queues what it yields."""

    def __init__(
        self, client: AsyncClientSession, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        self._client = client
        self._request = GraphQLRequest(query, variable_values=variables)
        self._items: asyncio.Queue[dict[str, Any] | Ended] = asyncio.Queue()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for result in self._client.subscribe(self._request):
                await self._items.put(result)
        except Exception as exc:
            await self._items.put(Ended(exc))
        else:
            await self._items.put(Ended(None))

    async def next(self) -> dict[str, Any]:
        """The next result; fails if the subscription ended instead."""
        item = await asyncio.wait_for(self._items.get(), TIMEOUT)
        if isinstance(item, Ended):
            raise AssertionError(f"subscription ended: {item.error!r}") from item.error
        return item

    async def ended(self) -> Ended:
        """Wait for the end; fails if a result arrives first."""
        item = await asyncio.wait_for(self._items.get(), TIMEOUT)
        assert isinstance(item, Ended), f"expected the end, got {item}"
        return item

    def pending(self) -> int:
        return self._items.qsize()

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task


def query_error(ended: Ended) -> dict[str, Any]:
    """The single GraphQL error a refused subscription ended with."""
    assert isinstance(ended.error, TransportQueryError), repr(ended.error)
    assert ended.error.errors and len(ended.error.errors) == 1, ended.error.errors
    error: dict[str, Any] = ended.error.errors[0]
    return {"message": error["message"], "code": (error.get("extensions") or {}).get("code")}


async def live_status(base: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        response = await http.get(f"{base}/healthz")
    response.raise_for_status()
    status: dict[str, Any] = response.json()["live"]
    return status


async def wait_live(base: str, *, subscriptions: int, connections: int | None = None) -> None:
    """Wait until the server at ``base`` has exactly this many registered subscriptions (and
    sockets): from then on they receive every event published."""

    async def poll() -> None:
        while True:
            status = await live_status(base)
            if status["subscriptions"] == subscriptions and (
                connections is None or status["connections"] == connections
            ):
                return
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), TIMEOUT)


class RawSocket:
    """A graphql-transport-ws socket that keeps every ``next`` frame's text as received."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: asyncio.Queue[str] = asyncio.Queue()
        self.errors: asyncio.Queue[str] = asyncio.Queue()

    async def subscribe(self, operation_id: str, query: str, variables: dict[str, Any]) -> None:
        payload = {"query": query, "variables": variables}
        await self.ws.send(
            json.dumps({"id": operation_id, "type": "subscribe", "payload": payload})
        )

    async def pump(self) -> None:
        async for raw in self.ws:
            kind = json.loads(raw)["type"]
            if kind == "next":
                await self.frames.put(raw)
            elif kind == "error":
                await self.errors.put(raw)

    async def next(self) -> str:
        return await asyncio.wait_for(self.frames.get(), TIMEOUT)

    async def error(self) -> str:
        """The next ``error`` message (a refused operation)."""
        return await asyncio.wait_for(self.errors.get(), TIMEOUT)


@contextlib.asynccontextmanager
async def raw_socket(
    base: str, token: str, *, compression: bool = True
) -> AsyncIterator[RawSocket]:
    """A signed-in socket; ``compression`` offers permessage-deflate (browsers do)."""
    async with websockets.connect(
        ws_url(base),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        compression="deflate" if compression else None,
    ) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        socket = RawSocket(ws)
        pump = asyncio.create_task(socket.pump())
        try:
            yield socket
        finally:
            pump.cancel()


class StalledClient:
    """A graphql-transport-ws client on a plain socket that reads only when asked: with a small
    receive window the server's sends block, as with a browser on a bad network."""

    def __init__(self, base: str) -> None:
        self._uri = parse_uri(ws_url(base))
        self._protocol = ClientProtocol(
            self._uri, subprotocols=[Subprotocol("graphql-transport-ws")]
        )
        self._pending: list[str] = []
        self.close_code: int | None = None

    async def open(self, token: str, query: str) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
        sock.setblocking(False)
        self._socket = sock
        await asyncio.get_running_loop().sock_connect(sock, (self._uri.host, self._uri.port))
        self._reader, self._writer = await asyncio.open_connection(sock=sock, limit=4096)
        self._protocol.send_request(self._protocol.connect())
        self._flush()
        while self._protocol.state is not State.OPEN:  # the handshake's response
            self._protocol.receive_data(await self._reader.read(65536))
            assert self._protocol.handshake_exc is None, self._protocol.handshake_exc
        self._send({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert json.loads(await self.receive())["type"] == "connection_ack"
        self._send({"id": "1", "type": "subscribe", "payload": {"query": query}})

    def _send(self, message: dict) -> None:
        self._protocol.send_text(json.dumps(message).encode())
        self._flush()

    def _flush(self) -> None:
        for data in self._protocol.data_to_send():
            self._writer.write(data)

    async def receive(self) -> str:
        """The next text message; raises ConnectionClosed when the server closed."""
        while not self._pending:
            if self.close_code is not None:
                raise websockets.ConnectionClosed(None, None)
            # Acknowledge at once: delayed ACKs on a small window make reading crawl.
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            data = await asyncio.wait_for(self._reader.read(65536), TIMEOUT)
            if data:
                self._protocol.receive_data(data)
            else:
                self._protocol.receive_eof()
            for event in self._protocol.events_received():
                if isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                    self._pending.append(event.data.decode())
                elif isinstance(event, Frame) and event.opcode is Opcode.CLOSE:
                    self.close_code = Close.parse(event.data).code
            self._flush()
        return self._pending.pop(0)

    def close(self) -> None:
        self._writer.close()
