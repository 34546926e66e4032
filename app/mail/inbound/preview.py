"""What a stored inbound mail says, for the admin who decides on it: sender, subject, date, the
body as plain text (HTML mail converted to text, never passed on as HTML; control characters
dropped) and its attachments' names and sizes. Read from the raw mail, which stays as it came."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime

from app.mail.headers import header_value, strip_controls
from app.mail.inbound.store import HEAD_BYTES
from app.mail.parsing import MailParseError, decode_bytes, parse_mail

# The longest body shown; the rest is cut (the raw mail keeps it).
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class PreviewAttachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True)
class MailPreview:
    sender: str | None
    sender_name: str | None
    subject: str | None
    date: datetime | None
    text: str
    truncated: bool
    attachments: list[PreviewAttachment] = field(default_factory=list)
    # Why the mail could not be read as a message (its bytes are then shown as text).
    error: str | None = None


def _date(raw: bytes) -> datetime | None:
    head = BytesHeaderParser(policy=default_policy).parsebytes(raw[:HEAD_BYTES])
    value = header_value(head, "Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _cut(text: str) -> tuple[str, bool]:
    return (text[:MAX_TEXT_CHARS], True) if len(text) > MAX_TEXT_CHARS else (text, False)


def preview(raw: bytes, *, sender: str | None, subject: str | None) -> MailPreview:
    """The mail ``raw`` as text; ``sender`` and ``subject`` (as stored) stand in when it cannot
    be parsed."""
    date = _date(raw)
    try:
        parsed = parse_mail(raw)
    except MailParseError as exc:
        text, truncated = _cut(strip_controls(decode_bytes(raw, "utf-8")))
        return MailPreview(sender, None, subject, date, text, truncated, error=str(exc))
    text, truncated = _cut(parsed.text)
    return MailPreview(
        sender=parsed.from_address or sender,
        sender_name=strip_controls(parsed.from_name) or None,
        subject=strip_controls(parsed.subject) or subject,
        date=date,
        text=text,
        truncated=truncated,
        attachments=[
            PreviewAttachment(strip_controls(a.filename), a.content_type, len(a.data))
            for a in parsed.attachments
        ],
    )
