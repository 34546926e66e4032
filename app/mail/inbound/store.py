"""Durable storage of raw inbound mail, before anything else happens to it.

Every transport calls ``store_message`` and acknowledges the message only once it returns.
A message is stored once: its Message-ID (else a SHA-256 of its bytes) is a unique key, so a
retried delivery or a second transport finds the first copy. Over-size mail keeps its head
(enough to show who sent it) and is stored as FAILED with the reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from tortoise.exceptions import IntegrityError

from app.config import Settings
from app.infra.clock import now
from app.mail.headers import addresses, header_value, message_ids
from app.models import InboundMail, InboundStatus

HEAD_BYTES = 64 * 1024
"""What is kept of an over-size message: its headers and the start of its body."""
MAX_KEY = 300


@dataclass(frozen=True)
class Stored:
    id: int
    created: bool  # False when this message had been stored before
    status: InboundStatus


def parse_headers(raw: bytes) -> Message:
    """The header block only (cheap); never raises on junk."""
    return BytesHeaderParser(policy=default_policy).parsebytes(raw[:HEAD_BYTES])


def dedupe_key(raw: bytes, headers: Message | None = None) -> str:
    """``mid:<Message-ID>``, else ``sha256:<hex of the bytes>``."""
    headers = headers if headers is not None else parse_headers(raw)
    found = message_ids(header_value(headers, "Message-ID"))
    if found:
        key = f"mid:{found[0]}"
        if len(key) <= MAX_KEY:
            return key
        return "midsha:" + hashlib.sha256(found[0].encode("utf-8", "replace")).hexdigest()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _summary(headers: Message) -> tuple[str | None, str | None]:
    senders = addresses(headers, "From") or addresses(headers, "Sender")
    subject = header_value(headers, "Subject")
    return (senders[0][1][:254] if senders else None), (subject[:300] if subject else None)


async def _insert(
    key: str,
    *,
    raw: bytes,
    size: int,
    transport: str,
    headers: Message,
    status: InboundStatus,
    reason: str | None,
) -> Stored:
    existing = await InboundMail.get_or_none(dedupe_key=key).only("id", "status")
    if existing is not None:
        return Stored(id=existing.id, created=False, status=existing.status)
    sender, subject = _summary(headers)
    stamp = now()
    try:
        row = await InboundMail.create(
            dedupe_key=key,
            transport=transport[:10],
            raw_bytes=raw,
            size=size,
            sender=sender,
            subject=subject,
            status=status,
            reason=reason,
            received_at=stamp,
            processed_at=stamp if status is not InboundStatus.RECEIVED else None,
        )
    except IntegrityError:  # the same message arrived by another path at the same moment
        existing = await InboundMail.get(dedupe_key=key).only("id", "status")
        return Stored(id=existing.id, created=False, status=existing.status)
    return Stored(id=row.id, created=True, status=row.status)


def too_large_reason(size: int, limit: int) -> str:
    return (
        f"too large: {size} bytes, over the limit of {limit} bytes "
        f"(only the first {HEAD_BYTES // 1024} KB were kept)"
    )


async def store_message(raw: bytes, *, transport: str, settings: Settings) -> Stored:
    """Store one raw message (RECEIVED, or FAILED when over MAX_INBOUND_MAIL_BYTES)."""
    if len(raw) > settings.max_inbound_mail_bytes:
        return await store_oversize(
            raw[:HEAD_BYTES], size=len(raw), transport=transport, settings=settings
        )
    headers = parse_headers(raw)
    return await _insert(
        dedupe_key(raw, headers),
        raw=raw,
        size=len(raw),
        transport=transport,
        headers=headers,
        status=InboundStatus.RECEIVED,
        reason=None,
    )


async def store_oversize(
    head: bytes,
    *,
    size: int,
    transport: str,
    settings: Settings,
    envelope_sender: str | None = None,
) -> Stored:
    """Record a message that was too large to keep: its head, real size and the reason."""
    head = head[:HEAD_BYTES]
    headers = parse_headers(head)
    if envelope_sender and header_value(headers, "From") is None:
        headers["From"] = envelope_sender
    key = dedupe_key(head, headers)
    if key.startswith("sha256:"):  # the head alone may be shared by different messages
        key = "sha256:" + hashlib.sha256(head + str(size).encode()).hexdigest()
    limit = settings.max_inbound_mail_bytes
    return await _insert(
        key,
        raw=head,
        size=size,
        transport=transport,
        headers=headers,
        status=InboundStatus.FAILED,
        reason=too_large_reason(size, limit),
    )
