"""Inbound mail over the network: an SMTP (or LMTP) listener and an IMAP mailbox poller.

The listener answers 250 only after the message is stored (451 when it cannot be, so the
sending server retries); the poller flags a message deleted in the mailbox only after it is
stored here. Both run in ``helpdesk run``: the listener always, the poller when IMAP_URL is
set.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from aioimaplib import IMAP4, IMAP4_SSL
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from app.config import Settings
from app.infra.clock import now
from app.mail.inbound.intake import JobPool, TemporaryFailure, accept, accept_oversize
from app.mail.inbound.match import is_our_address
from app.mail.inbound.store import HEAD_BYTES
from app.models import Department

log = logging.getLogger(__name__)

_TOO_MUCH = "552 Error: Too much mail data"  # what aiosmtpd answers past data_size_limit


class IntakeHandler:
    """aiosmtpd handler: accept mail for our domain and department addresses, store it."""

    def __init__(self, pool: JobPool | None, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings
        self.lmtp = settings.smtp_listen_lmtp
        self.transport = "lmtp" if self.lmtp else "smtp"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            ours = (
                is_our_address(address, self.settings)
                or await Department.filter(email=address.lower()).exists()
            )
        except Exception:
            log.exception("cannot check recipient %s", address)
            return "451 4.3.0 Temporary failure, try again later"
        if not ours:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or b""
        try:
            stored = await accept(
                _trace(envelope) + content,
                transport=self.transport,
                pool=self.pool,
                settings=self.settings,
            )
        except TemporaryFailure:
            status = "451 4.3.0 Temporary failure, try again later"
        else:
            status = f"250 2.0.0 Stored as #{stored.id}"
        if self.lmtp:  # LMTP answers once per recipient
            return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))
        return status

    async def record_oversize(self, envelope: Any, tap: DataTap | None) -> None:
        """Record a message refused for its size: its real size and the head of what was sent
        (headers included), or only the envelope if the data was not seen."""
        trace = _trace(envelope)
        if tap is not None:
            head, size = trace + tap.head, len(trace) + tap.size
        else:
            stamp = f"X-Helpdesk-Received: {now().isoformat()}\r\n\r\n".encode()
            head, size = trace + stamp, 0
        try:
            await accept_oversize(
                head,
                size=size,
                transport=self.transport,
                settings=self.settings,
                envelope_sender=envelope.mail_from,
            )
        except TemporaryFailure:
            log.warning("could not record an over-size message from %s", envelope.mail_from)


class DataTap:
    """Stands in for the protocol's stream reader during DATA, and keeps what aiosmtpd throws
    away once a message is over its limit: the number of bytes and the first ``HEAD_BYTES``,
    with the SMTP dot-stuffing undone and the final "." line left out."""

    def __init__(self, inner: asyncio.StreamReader) -> None:
        self.inner = inner
        self.size = 0
        self._head = bytearray()
        self._line_start = True
        self._ended = False

    @property
    def head(self) -> bytes:
        return bytes(self._head)

    def _seen(self, data: bytes) -> None:
        if self._ended:
            return
        if self._line_start and data == b".\r\n":
            self._ended = True
            return
        if self._line_start and data.startswith(b"."):
            data = data[1:]
        self._line_start = data.endswith(b"\r\n")
        self.size += len(data)
        if len(self._head) < HEAD_BYTES:
            self._head += data[: HEAD_BYTES - len(self._head)]

    async def readuntil(self, separator: bytes = b"\n") -> bytes:
        data = await self.inner.readuntil(separator)
        self._seen(data)
        return data

    async def read(self, n: int = -1) -> bytes:
        data = await self.inner.read(n)
        self._seen(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _one_line(value: str) -> str:
    return re.sub(r"[\r\n]", "", value)


def _trace(envelope: Any) -> bytes:
    """What a delivery agent adds on top: the envelope sender (Return-Path: <> marks a
    bounce) and the envelope recipients (a reply address may be only there, as with Bcc)."""
    sender = re.sub(r"[\r\n<>]", "", envelope.mail_from or "")
    lines = [f"Return-Path: <{sender}>"]
    lines += [f"Delivered-To: {_one_line(rcpt)}" for rcpt in envelope.rcpt_tos]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "surrogateescape")


def _protocol(handler: IntakeHandler, settings: Settings) -> type[SMTP]:
    base = LMTP if handler.lmtp else SMTP

    class IntakeProtocol(base):  # type: ignore[valid-type,misc]
        _reader: Any  # aiosmtpd's stream reader
        _tap: DataTap | None = None

        async def smtp_DATA(self, arg: str) -> None:
            # aiosmtpd counts and drops the data of an over-size message; the tap keeps its
            # size and head for the record. It reads the same stream, so nothing else changes.
            reader = self._reader
            tap = self._tap = DataTap(reader)
            self._reader = tap
            try:
                await super().smtp_DATA(arg)
            finally:
                self._reader, self._tap = reader, None

        async def push(self, status: str) -> None:
            if status.startswith(_TOO_MUCH) and self.envelope is not None:
                await handler.record_oversize(self.envelope, self._tap)
            await super().push(status)

    return IntakeProtocol


async def start_smtp_listener(
    settings: Settings, pool: JobPool | None, *, host: str | None = None, port: int | None = None
) -> asyncio.Server:
    """Listen on SMTP_LISTEN_HOST:SMTP_LISTEN_PORT (LMTP with SMTP_LISTEN_LMTP=1)."""
    handler = IntakeHandler(pool, settings)
    protocol = _protocol(handler, settings)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: protocol(
            handler,
            data_size_limit=settings.max_inbound_mail_bytes,
            enable_SMTPUTF8=True,
            hostname=settings.mail_domain,
            ident="helpdesk",
        ),
        host=host or settings.smtp_listen_host,
        port=settings.smtp_listen_port if port is None else port,
    )


@dataclass(frozen=True)
class ImapTarget:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    mailbox: str

    @classmethod
    def from_url(cls, url: str) -> ImapTarget:
        """``imaps://user:pass@host[:port]/MAILBOX`` (or imap:// without TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("IMAP_URL must look like imaps://user:password@host/INBOX")
        tls = parts.scheme == "imaps"
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            tls=tls,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        )


@dataclass
class PollResult:
    stored: int = 0  # stored here and flagged deleted there
    left: int = 0  # left in the mailbox for the next poll (a temporary failure)


def _literal(lines: list[Any]) -> bytes | None:
    return next((bytes(line) for line in lines if isinstance(line, bytearray)), None)


def _fetched_size(lines: list[Any]) -> int | None:
    for line in lines:
        match = re.search(rb"RFC822\.SIZE (\d+)", bytes(line))
        if match:
            return int(match.group(1))
    return None


async def _check(response: Any, what: str) -> Any:
    if response.result != "OK":
        raise ConnectionError(f"IMAP {what} failed: {response.lines[-1:]}")
    return response


async def _take_one(client: IMAP4, uid: str, pool: JobPool | None, settings: Settings) -> None:
    sized = await _check(await client.uid("fetch", uid, "(RFC822.SIZE)"), "FETCH")
    size = _fetched_size(sized.lines) or 0
    if size > settings.max_inbound_mail_bytes:
        fetched = await _check(await client.uid("fetch", uid, "(BODY.PEEK[HEADER])"), "FETCH")
        head = _literal(fetched.lines) or b""
        await accept_oversize(head, size=size, transport="imap", settings=settings)
    else:
        fetched = await _check(await client.uid("fetch", uid, "(BODY.PEEK[])"), "FETCH")
        raw = _literal(fetched.lines) or b""
        await accept(raw, transport="imap", pool=pool, settings=settings)
    # Only now that it is stored here may it leave the mailbox.
    await _check(await client.uid("store", uid, "+FLAGS.SILENT", r"(\Seen \Deleted)"), "STORE")


async def poll_imap_once(
    target: ImapTarget, pool: JobPool | None, *, settings: Settings, io_timeout: float = 60
) -> PollResult:
    """Take every undeleted message in the mailbox: store it, then flag it deleted and
    expunge it. A message that cannot be stored stays for the next poll."""
    client: IMAP4 = (
        IMAP4_SSL(target.host, target.port, timeout=io_timeout)
        if target.tls
        else IMAP4(target.host, target.port, timeout=io_timeout)
    )
    result = PollResult()
    await client.wait_hello_from_server()
    try:
        await _check(await client.login(target.user, target.password), "LOGIN")
        await _check(await client.select(target.mailbox), "SELECT")
        found = await _check(await client.uid_search("UNDELETED"), "SEARCH")
        uids = bytes(found.lines[0]).decode().split() if found.lines else []
        done: list[str] = []
        for index, uid in enumerate(uids):
            try:
                await _take_one(client, uid, pool, settings)
            except TemporaryFailure as exc:
                log.warning("IMAP message %s left for the next poll: %s", uid, exc)
                result.left = len(uids) - index
                break
            done.append(uid)
        if done:
            if "UIDPLUS" in client.protocol.capabilities:
                await client.uid("expunge", ",".join(done))
            else:
                await client.expunge()
        result.stored = len(done)
    finally:
        with contextlib.suppress(Exception):
            await client.logout()
    return result


async def run_imap_poller(settings: Settings, pool: JobPool | None) -> None:
    target = ImapTarget.from_url(settings.imap_url or "")
    while True:
        try:
            outcome = await poll_imap_once(target, pool, settings=settings)
            if outcome.stored or outcome.left:
                log.info("IMAP poll: %s stored, %s left", outcome.stored, outcome.left)
        except Exception:
            log.exception("IMAP poll of %s failed; trying again later", target.host)
        await asyncio.sleep(settings.imap_poll_seconds)


async def run_inbound(settings: Settings) -> None:
    """The inbound component of ``helpdesk run``: the listener, and the poller if set up."""
    from app.infra.redis import arq_pool

    pool = await arq_pool(settings)
    server = await start_smtp_listener(settings, pool)
    log.info(
        "inbound %s listener on %s:%s",
        "LMTP" if settings.smtp_listen_lmtp else "SMTP",
        settings.smtp_listen_host,
        settings.smtp_listen_port,
    )
    try:
        if settings.imap_url:
            await run_imap_poller(settings, pool)
        else:
            await asyncio.Event().wait()  # until cancelled
    finally:
        server.close()
        await server.wait_closed()
        await pool.aclose()
