"""Helpers for the inbound-mail tests: an SMTP server collecting what we send, a real arq
worker run until the queue is empty, a GraphQL subscriber, and a throwaway Dovecot."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.smtp import SMTP
from arq.worker import Worker
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from app import events
from app.config import Settings, get_settings
from app.infra.redis import arq_settings
from app.workers import inbound, notify

TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_until(check: Callable[[], Any], what: str, seconds: float = TIMEOUT) -> Any:
    """Poll an (async or plain) condition until it is truthy; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@dataclass
class Caught:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        return body.get_content()  # type: ignore[attr-defined,no-any-return]


@dataclass
class MailCatcher:
    """aiosmtpd in the test's loop, keeping every message it is sent."""

    port: int = field(default_factory=free_port)
    caught: list[Caught] = field(default_factory=list)
    _server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?starttls=0"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.caught.append(Caught(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, enable_SMTPUTF8=True), host="127.0.0.1", port=self.port
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def to(self, address: str) -> list[Caught]:
        return [c for c in self.caught if address.lower() in [r.lower() for r in c.rcpt_tos]]

    async def wait_for(self, address: str, count: int = 1) -> list[Caught]:
        await wait_until(lambda: len(self.to(address)) >= count, f"{count} mail(s) to {address}")
        return self.to(address)


async def run_jobs(settings: Settings) -> None:
    """A real arq worker (notifications and inbound mail) until the queue is empty, and stays
    so once the outbox sent what the jobs' own changes emitted."""
    while True:
        await events.flushed()
        worker = Worker(
            functions=[*notify.FUNCTIONS, *inbound.FUNCTIONS],
            redis_settings=arq_settings(settings),
            burst=True,
            poll_delay=0.02,
            handle_signals=False,
            ctx={"settings": settings},
            max_jobs=4,
        )
        try:
            await asyncio.wait_for(worker.main(), TIMEOUT)
            await events.flushed()
            if not await worker.pool.zcard(worker.queue_name):
                return
        finally:
            await worker.close()


TICKET_EVENTS = """
subscription($number: Int!) { ticketEvents(number: $number) {
  type ticket { number status } message { body source author { name } } } }
"""


async def _live_subscriptions(base_url: str) -> int:
    async with httpx.AsyncClient(timeout=10) as http:
        health = (await http.get(f"{base_url}/healthz")).json()
    return int(health["live"]["subscriptions"])


@contextlib.asynccontextmanager
async def ticket_events(
    base_url: str, token: str, number: int
) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """Subscribe to ``ticketEvents(number)`` over a real WebSocket; yields once the server
    reports the subscription registered (it gets every event published from then on)."""
    transport = WebsocketsTransport(
        url=base_url.replace("http://", "ws://") + "/graphql",
        init_payload={"authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    before = await _live_subscriptions(base_url)
    async with Client(transport=transport) as session:
        request = GraphQLRequest(TICKET_EVENTS, variable_values={"number": number})

        async def pump() -> None:
            async for result in session.subscribe(request):
                await received.put(result["ticketEvents"])

        task = asyncio.create_task(pump())
        try:

            async def live() -> bool:
                if task.done():
                    task.result()  # raises what ended the subscription
                return await _live_subscriptions(base_url) > before

            await wait_until(live, "the subscription to be registered")
            yield received
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def next_event(queue: asyncio.Queue[dict[str, Any]], type_: str) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        while True:
            event = await queue.get()
            if event["type"] == type_:
                return event

    return await asyncio.wait_for(find(), TIMEOUT)


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )


_DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {user}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={dir}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
"""


class Dovecot:
    """A private Dovecot IMAP server on a spare local port, as an unprivileged user (nobody
    when the tests run as root), with its own config, mail and log in a temporary folder."""

    user_name = "helpdesk"
    password = "imap-test-password"

    def __init__(self) -> None:
        binary = dovecot_binary()
        assert binary is not None
        self.binary = binary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            self.run_as, self.group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
        else:
            self.run_as = pwd.getpwuid(os.geteuid()).pw_name
            self.group = grp.getgrgid(os.getegid()).gr_name

    @property
    def url(self) -> str:
        return f"imap://{self.user_name}:{self.password}@127.0.0.1:{self.port}/INBOX"

    def start(self) -> None:
        config = self.dir / "dovecot.conf"
        config.write_text(
            _DOVECOT_CONF.format(
                dir=self.dir, user=self.run_as, group=self.group, port=self.port,
                password=self.password,
            )
        )  # fmt: skip
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.run_as)
            for path in [self.dir, *self.dir.rglob("*")]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(config)],
            user=self.run_as if os.geteuid() == 0 else None,
            group=self.group if os.geteuid() == 0 else None,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


async def deliver(raw: bytes, redis: Any, transport: str = "pipe") -> Any:
    """Store one message as a transport would, then process it as the job would."""
    from app.mail.inbound.process import process_inbound
    from app.mail.inbound.store import store_message

    stored = await store_message(raw, transport=transport, settings=get_settings())
    return await process_inbound(stored.id, redis=redis, settings=get_settings())


async def new_ticket(world: Any, subject: str = "Printer is on fire") -> Any:
    """A ticket of client_a in Support (dept_x), opened through the service."""
    from app.services.tickets import open_ticket

    opened = await open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject=subject,
        body="Help",
        settings=get_settings(),
    )
    return opened.ticket


async def messages_of(ticket: Any) -> list[Any]:
    from app.models import Message

    return await Message.filter(ticket_id=ticket.id).order_by("id")
