"""Helpers for the outbound-mail tests: a real SMTP server (aiosmtpd) in the test's event loop
that collects what is sent, an event recorder, and running the notification job."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from arq import Worker

from app import events
from app.events import TicketEvent
from app.workers.notify import notify_event

HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


CERT, KEY = HERE / "test_smtp_cert.pem", HERE / "test_smtp_key.pem"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def header(self, name: str) -> str:
        return str(self.message[name] or "")

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        return body.get_content()  # type: ignore[no-any-return,attr-defined]


@dataclass
class SmtpServer:
    """aiosmtpd on a fixed local port that can be stopped and started again.

    ``refuse`` maps a recipient address to an SMTP reply ("550 ...", "451 ...") given at RCPT.
    With ``tls`` the server offers STARTTLS; ``implicit_tls`` speaks TLS from the first byte;
    ``login`` = (user, password) requires AUTH (after STARTTLS).
    """

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    slow: float = 0.0  # seconds each RCPT takes
    gate: asyncio.Event | None = None  # when given, RCPT waits until it is set
    waiting: int = 0  # RCPTs waiting at the gate
    answer_gate: asyncio.Event | None = None  # when given, a mail taken waits for it to be answered
    tls: bool = False
    implicit_tls: bool = False
    login: tuple[str, str] | None = None
    _server: asyncio.AbstractServer | None = None
    _sessions: list[SMTP] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        auth = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        query = "?starttls=1&verify=0" if self.tls else "?verify=0" if self.implicit_tls else ""
        return f"{scheme}://{auth}127.0.0.1:{self.port}{query}"

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(CERT, KEY)
        return context

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.slow:
            await asyncio.sleep(self.slow)  # a slow server, before the mail is handed over
        if self.gate is not None and not self.gate.is_set():
            self.waiting += 1
            try:
                await self.gate.wait()
            finally:
                self.waiting -= 1
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=default_policy)
        async with self._arrived:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
            self._arrived.notify_all()
        if self.answer_gate is not None:
            await self.answer_gate.wait()  # taken, its "250" not said yet
        return "250 Message accepted"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
        ok = (
            isinstance(data, LoginPassword)
            and self.login is not None
            and (data.login.decode(), data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False)

    def _protocol(self) -> SMTP:
        options: dict[str, Any] = {}
        if self.tls:
            options.update(tls_context=self._tls_context(), require_starttls=True)
        if self.login:
            options.update(
                authenticator=self._authenticate,
                auth_required=True,
                auth_require_tls=self.tls,  # implicit TLS: aiosmtpd cannot tell, it is TLS
            )
        session = SMTP(self, hostname="test-smtp", loop=asyncio.get_running_loop(), **options)
        self._sessions.append(session)
        return session

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol,
            host="127.0.0.1",
            port=self.port,
            ssl=self._tls_context() if self.implicit_tls else None,
        )

    async def stop(self) -> None:
        """Stop listening and drop every open connection, as a server going down does."""
        for session in self._sessions:
            if session.transport is not None:
                session.transport.close()
        self._sessions.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[Received]:
        """Wait (bounded) until ``count`` messages have arrived."""
        async with asyncio.timeout(seconds), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return self.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def recipients(self) -> list[str]:
        return sorted(a for r in self.received for a in r.rcpt_tos)


class EventRecorder:
    """Stands in for the publisher and the job queue, keeping every event emitted."""

    def __init__(self) -> None:
        self.events: list[TicketEvent] = []
        self.published: list[str] = []

    async def publish(self, channel: str, message: str) -> None:
        self.published.append(message)

    async def enqueue_event(self, event: TicketEvent) -> None:
        self.events.append(event)

    async def take(self) -> list[TicketEvent]:
        """The events sent since the last take (once the relay sent what was committed)."""
        await events.flushed()
        taken, self.events = self.events, []
        return taken


async def deliver(recorder: EventRecorder, job_ctx: dict[str, Any]) -> list[str]:
    """Run the notification job for every event recorded so far, as the worker would."""
    return [await notify_event(job_ctx, event.to_json()) for event in await recorder.take()]


@asynccontextmanager
async def mail_worker(settings: Any, smtp: SmtpServer) -> AsyncIterator[Worker]:
    """An arq worker running the real notification and account-mail jobs, sending to ``smtp``."""
    from app.infra.redis import arq_settings
    from app.workers import account_mail, notify

    mail_settings = settings.model_copy(update={"smtp_url": smtp.url})

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = mail_settings

    runner = Worker(
        functions=[*notify.FUNCTIONS, *account_mail.FUNCTIONS],
        redis_settings=arq_settings(settings),
        burst=False,
        poll_delay=0.05,
        handle_signals=False,
        on_startup=startup,
        max_jobs=4,
    )
    task = asyncio.create_task(runner.main())
    try:
        yield runner
    finally:
        # Let jobs under way finish (closing cancels them), then stop polling.
        jobs = list(runner.tasks.values())
        async with asyncio.timeout(15):
            while not all(job.done() for job in jobs):
                await asyncio.wait(jobs, timeout=1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runner.close()


async def mail_to(smtp: SmtpServer, address: str, count: int = 1) -> Received:
    """The ``count``-th mail to ``address`` (waiting for it, bounded)."""
    async with asyncio.timeout(15):
        while len(smtp.to(address)) < count:
            await smtp.wait_for(len(smtp.received) + 1)
    return smtp.to(address)[count - 1]


async def run_worker(settings: Any, mail_settings: Any, max_jobs: int = -1) -> Worker:
    """One burst of a real arq worker with every mail job (notifications, account mail,
    auto-close): runs what is due once the outbox has sent it, then stops."""
    from app.infra.redis import arq_settings
    from app.workers import account_mail, auto_close, notify

    await events.flushed()

    async def startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = mail_settings

    worker = Worker(
        functions=[*notify.FUNCTIONS, *account_mail.FUNCTIONS, *auto_close.FUNCTIONS],
        redis_settings=arq_settings(settings),
        burst=True,
        max_burst_jobs=max_jobs,
        poll_delay=0.02,
        handle_signals=False,
        on_startup=startup,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker
