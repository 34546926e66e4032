"""The dev mail sink: an SMTP server (aiosmtpd) on 127.0.0.1:SINK_PORT keeping every message.

``helpdesk run`` starts it when SMTP_URL is unset, so notifications have somewhere to go.
Each message is written to ``var/mailbox/<nanoseconds>-<random>.eml`` (the name sorts by
arrival) with the envelope in ``X-MailFrom`` / ``X-RcptTo`` headers on top. The reader
functions below (``list_messages``, ``get_raw``) back the dev mailbox page.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP as SMTPProtocol

from app.config import Settings

log = logging.getLogger(__name__)

KEEP_MESSAGES = 1000
"""The sink deletes the oldest files beyond this many."""
_NAME = re.compile(r"^\d{19}-[0-9a-f]{8}$")


def mailbox_dir(settings: Settings) -> Path:
    return settings.var_dir / "mailbox"


class MailboxHandler:
    """aiosmtpd handler writing each accepted message to one file."""

    def __init__(self, directory: Path, keep: int = KEEP_MESSAGES) -> None:
        self.directory = directory
        self.keep = keep
        self._count: int | None = None  # files on disk, counted once, then kept up to date

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        head = (
            f"X-Peer: {session.peer[0] if session.peer else 'unknown'}\r\n"
            f"X-MailFrom: {envelope.mail_from}\r\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        await asyncio.to_thread(self._store, head + content)
        return "250 Message accepted for delivery"

    def _store(self, raw: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():019d}-{secrets.token_hex(4)}"
        partial = self.directory / f".{name}.tmp"
        partial.write_bytes(raw)
        os.replace(partial, self.directory / f"{name}.eml")  # readers never see half a file
        if self._count is None:
            self._count = sum(1 for _ in self.directory.glob("*.eml"))
        else:
            self._count += 1
        if self._count <= self.keep + min(50, self.keep // 10):
            return  # prune in batches, not a directory listing per message
        files = sorted(self.directory.glob("*.eml"))
        for old in files[: max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)
        self._count = min(len(files), self.keep)


async def start_sink(
    directory: Path, *, host: str = "127.0.0.1", port: int, keep: int = KEEP_MESSAGES
) -> asyncio.AbstractServer:
    """Listen in the running event loop; the caller closes the returned server."""
    handler = MailboxHandler(directory, keep=keep)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTPProtocol(
            handler, hostname="helpdesk-sink", data_size_limit=50 * 1024 * 1024, loop=loop
        ),
        host=host,
        port=port,
    )


async def run_sink(settings: Settings) -> None:
    """The ``helpdesk run`` component: the sink when SMTP_URL is unset, else idle."""
    if settings.smtp_url:
        await asyncio.Event().wait()  # real SMTP configured: nothing to run, but stay up
        return
    server = await start_sink(mailbox_dir(settings), port=settings.sink_port)
    log.info(
        "dev mail sink on 127.0.0.1:%s, keeping mail in %s",
        settings.sink_port,
        mailbox_dir(settings),
    )
    try:
        await asyncio.Event().wait()
    finally:
        server.close()
        await server.wait_closed()


@dataclass(frozen=True)
class MailboxEntry:
    id: str
    sender: str
    to: str
    subject: str
    date: datetime | None
    size: int


def _entry(path: Path) -> MailboxEntry:
    with path.open("rb") as handle:
        headers = BytesHeaderParser(policy=default_policy).parse(handle)
    date: datetime | None = None
    try:
        date = parsedate_to_datetime(str(headers["Date"])) if headers["Date"] else None
    except (TypeError, ValueError):
        date = None
    return MailboxEntry(
        id=path.stem,
        sender=str(headers["From"] or headers["X-MailFrom"] or ""),
        to=str(headers["To"] or headers["X-RcptTo"] or ""),
        subject=str(headers["Subject"] or ""),
        date=date,
        size=path.stat().st_size,
    )


def list_messages(
    directory: Path, *, limit: int = 100, older_than: str | None = None
) -> list[MailboxEntry]:
    """The messages in the sink's ``directory`` (``mailbox_dir``), newest first; only those
    that arrived before the message with the id ``older_than``, if given."""
    if not directory.is_dir():
        return []
    paths = sorted(directory.glob("*.eml"), reverse=True)
    if older_than is not None:
        paths = [path for path in paths if path.stem < older_than]
    newest = paths[: max(0, limit)]
    entries = []
    for path in newest:
        try:
            entries.append(_entry(path))
        except FileNotFoundError:  # pruned meanwhile
            continue
    return entries


def get_raw(directory: Path, message_id: str) -> bytes | None:
    """The raw message by its id (as listed), or None; other names are refused."""
    if not _NAME.match(message_id):
        return None
    try:
        return (directory / f"{message_id}.eml").read_bytes()
    except FileNotFoundError:
        return None
