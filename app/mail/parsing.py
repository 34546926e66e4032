"""Parse a raw RFC 5322 message into what the helpdesk needs from it.

Lenient by design: broken charsets, transfer encodings and headers degrade to
replacement characters or missing values, and control characters (NUL and the like) are
dropped from every text; only a message with no sender address at all is rejected.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from bs4 import BeautifulSoup

from app.mail.headers import (
    addresses,
    clean_str,
    header_value,
    header_values,
    message_ids,
    strip_controls,
)
from app.mail.html import html_reply
from app.mail.noise import classify_noise
from app.mail.trimming import is_quote_only, normalize_newlines, trim_reply

_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To")
# Labels that mail clients put on charsets Python does not know by that name.
_CHARSET_ALIASES = {
    "iso-8859-8-i": "iso-8859-8",
    "x-mac-roman": "mac_roman",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "gb2312": "gb18030",  # gb18030 is a superset that real-world "gb2312" mail needs
    "gbk": "gb18030",
}
_FILENAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


class MailParseError(ValueError):
    """The input is not a usable email message."""


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class ParsedMail:
    message_id: str | None
    from_address: str
    from_name: str
    subject: str
    text: str
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    is_auto_generated: bool = False
    auto_reason: str | None = None
    from_addresses: list[str] = field(default_factory=list)  # every From address
    authentication_results: list[str] = field(default_factory=list)  # raw, topmost first
    quote_only: bool = False  # a reply with nothing but quoted history (and a signature)
    cc: list[tuple[str, str]] = field(default_factory=list)  # the Cc header: (name, address)

    @property
    def reply_text(self) -> str:
        """What the sender newly wrote: text without quoted history and signatures
        (empty for a quote-only reply)."""
        return "" if self.quote_only else trim_reply(self.text)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode a body in its declared charset, surviving wrong and unknown labels."""
    name = (charset or "").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    if name in ("", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "8bit"):
        # Undeclared or "ascii" with 8-bit content: UTF-8 if it is valid, else Windows-1252.
        name = "utf-8"
    if name in ("iso-8859-1", "latin-1", "latin1"):
        name = "cp1252"  # what senders labelled latin-1 almost always mean
    try:
        codecs.lookup(name)
    except LookupError:
        name = "utf-8"
    try:
        return data.decode(name)
    except UnicodeDecodeError:
        if name == "utf-8":
            return _decode_legacy(data)
        return data.decode(name, "replace")


def _decode_legacy(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _payload_bytes(part: Message) -> bytes:
    """The body of a leaf part with its transfer encoding undone."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken base64 / quoted-printable beyond the stdlib's own leniency
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return strip_controls(normalize_newlines(decode_bytes(_payload_bytes(part), charset)))


def _unflow(text: str, delsp: bool) -> str:
    """Undo format=flowed (RFC 3676): join soft-broken lines of the same quote depth."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        signature = content == "-- "  # the signature separator is never flowed
        if pending is not None and depth == pending_depth and not signature:
            content = pending + content
        elif pending is not None:
            out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
        pending = None
        if content.endswith(" ") and not signature:
            pending, pending_depth = (content[:-1] if delsp else content), depth
            continue
        out.append(">" * depth + (" " if depth and content else "") + content)
    if pending is not None:
        out.append(">" * pending_depth + (" " if pending_depth else "") + pending)
    return "\n".join(out)


def _is_attachment(part: Message) -> bool:
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        return True
    return part.get_content_maintype() not in ("text", "multipart") and bool(_filename(part))


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    name = _FILENAME_UNSAFE.sub("", strip_controls(str(name)))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or None


def _leaves(part: Message) -> list[Message]:
    """Leaf parts in order; an attached message (message/rfc822) counts as one leaf."""
    payload = part.get_payload()
    if part.get_content_maintype() == "multipart" and isinstance(payload, list):
        return [leaf for sub in payload if isinstance(sub, Message) for leaf in _leaves(sub)]
    return [part]


def _attachment(part: Message, index: int) -> ParsedAttachment:
    content_type = part.get_content_type()
    if part.get_content_maintype() == "message" and part.is_multipart():
        inner = part.get_payload(0)
        data = inner.as_bytes() if isinstance(inner, Message) else b""
    else:
        data = _payload_bytes(part)
    filename = _filename(part)
    if not filename:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        filename = f"attachment-{index}{extension}"
    return ParsedAttachment(filename=filename, content_type=content_type, data=data)


def _html_text(html: str) -> tuple[str, bool]:
    """The text of an HTML body and whether it was quoted history only."""
    try:
        return html_reply(html)
    except Exception:  # html2text on pathological markup; plain tag stripping still works
        return BeautifulSoup(html, "html.parser").get_text("\n"), False


def _body_and_attachments(msg: Message) -> tuple[str, list[ParsedAttachment], bool]:
    """The body text, the attachments, and whether the body is quoted history only."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[ParsedAttachment] = []
    for leaf in _leaves(msg):
        if _is_attachment(leaf):
            attachments.append(_attachment(leaf, len(attachments) + 1))
        elif leaf.get_content_type() == "text/plain":
            text = _part_text(leaf)
            if str(leaf.get_param("format", "")).lower() == "flowed":
                text = _unflow(text, str(leaf.get_param("delsp", "")).lower() == "yes")
            plain.append(text)
        elif leaf.get_content_type() == "text/html":
            html.append(_part_text(leaf))
    text = "\n\n".join(t.strip("\n") for t in plain if t.strip())
    if text:
        return text.strip(), attachments, is_quote_only(text)
    converted = [_html_text(h) for h in html if h.strip()]
    text = "\n\n".join(part for part, _ in converted)
    quote_only = bool(converted) and all(only for _, only in converted)
    return text.strip(), attachments, quote_only


def _raw_header_values(msg: Message, name: str) -> list[str]:
    """The values of a top-level header as written (unfolded), topmost first."""
    wanted = name.lower()
    return [
        _FOLD.sub("", clean_str(str(value))).strip()
        for key, value in msg.raw_items()
        if key.lower() == wanted
    ]


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse raw message bytes; raise MailParseError only when the message is unusable."""
    if not isinstance(raw, bytes | bytearray | memoryview) or not bytes(raw).strip():
        raise MailParseError("empty or non-bytes input")
    try:
        msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)
    except Exception as exc:  # the parser itself is lenient; this is a last resort
        raise MailParseError(f"cannot parse message: {exc}") from exc

    from_header = addresses(msg, "From")
    senders = from_header or addresses(msg, "Sender")
    if not senders:
        raise MailParseError("message has no From address")
    from_name, from_address = senders[0]

    recipients: list[str] = []
    for name in _RECIPIENT_HEADERS:
        recipients.extend(addr for _, addr in addresses(msg, name))

    text, attachments, quote_only = _body_and_attachments(msg)
    reason = classify_noise(msg)
    message_id = message_ids(header_value(msg, "Message-ID"))
    return ParsedMail(
        message_id=message_id[0] if message_id else None,
        in_reply_to=message_ids(" ".join(header_values(msg, "In-Reply-To"))),
        references=message_ids(" ".join(header_values(msg, "References"))),
        from_address=from_address,
        from_name=from_name,
        recipients=list(dict.fromkeys(recipients)),
        subject=header_value(msg, "Subject") or "",
        text=text,
        attachments=attachments,
        is_auto_generated=reason is not None,
        auto_reason=reason,
        from_addresses=[address for _, address in from_header],
        authentication_results=_raw_header_values(msg, "Authentication-Results"),
        quote_only=quote_only,
        cc=[(name, address) for name, address in addresses(msg, "Cc") if address],
    )
