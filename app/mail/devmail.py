"""The dev mailbox: mail caught by the embedded SMTP sink, and answering it as its recipient.

Only in the embedded default (SMTP_URL unset, so notifications go to the local sink) and only
for staff and admins: caught mail is everybody's mail, clients must not read it. An answer is a
real reply message (Reply-To of the caught mail as recipient, quoted history, threading
headers) sent over SMTP to this installation's inbound listener, so it takes exactly the path a
reply from a mail client takes.
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import SMTP, default
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime

import aiosmtplib

from app.auth import policy
from app.auth.actor import Actor
from app.config import Settings
from app.errors import Conflict, NotFound, PermissionDenied
from app.infra.clock import now
from app.mail import sink
from app.services.validation import Checks

SMTP_TIMEOUT = 15.0


class DevMailboxDisabled(PermissionDenied):
    code = "DEV_MAILBOX_DISABLED"


class InboundUnavailable(Conflict):
    code = "INBOUND_SMTP_UNAVAILABLE"


@dataclass(frozen=True)
class CaughtMessage:
    id: str
    sender: str
    to: str
    subject: str
    date: datetime | None
    size: int
    reply_to: str
    message_id: str | None
    text: str


@dataclass(frozen=True)
class Answer:
    to: str
    sender: str
    subject: str
    message_id: str


def require_dev_mailbox(actor: Actor | None, settings: Settings) -> Actor:
    """Admins only (the caught mail is every department's, and an answer posts as its
    recipient), and only while mail goes to the embedded sink."""
    actor = policy.require_admin(actor)
    if settings.smtp_url:
        raise DevMailboxDisabled(
            "The dev mailbox exists only in the embedded default (SMTP_URL unset); "
            "this server sends mail through a real SMTP server."
        )
    return actor


def list_caught(
    *, actor: Actor | None, settings: Settings, first: int = 50, after: str | None = None
) -> tuple[list[sink.MailboxEntry], bool]:
    """Newest first, those older than ``after`` (an id) if given. Returns (page, has_next)."""
    require_dev_mailbox(actor, settings)
    entries = sink.list_messages(sink.mailbox_dir(settings), limit=first + 1, older_than=after)
    return entries[:first], len(entries) > first


def get_caught(*, actor: Actor | None, settings: Settings, message_id: str) -> CaughtMessage:
    require_dev_mailbox(actor, settings)
    raw = sink.get_raw(sink.mailbox_dir(settings), message_id)
    if raw is None:
        raise NotFound("That message is not in the dev mailbox.", field="id")
    return _caught(message_id, raw)


def _parse(raw: bytes) -> EmailMessage:
    parsed = BytesParser(policy=default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _first_address(value: object) -> str:
    found = [address for _, address in getaddresses([str(value or "")]) if "@" in address]
    return found[0] if found else ""


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        part = message.get_body(preferencelist=("html",))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return str(content).replace("\r\n", "\n")


def _date(message: Message) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        return None


def _caught(message_id: str, raw: bytes) -> CaughtMessage:
    message = _parse(raw)
    sender = str(message["From"] or message["X-MailFrom"] or "")
    return CaughtMessage(
        id=message_id,
        sender=sender,
        to=str(message["To"] or message["X-RcptTo"] or ""),
        subject=str(message["Subject"] or ""),
        date=_date(message),
        size=len(raw),
        reply_to=_first_address(message["Reply-To"]) or _first_address(sender),
        message_id=str(message["Message-ID"]).strip() if message["Message-ID"] else None,
        text=_text_of(message),
    )


def _recipient_address(message: Message) -> str:
    """Who the caught mail was for (the answer comes from them): the To address when it was
    one of the envelope recipients, else the first envelope recipient."""
    envelope = [a.lower() for _, a in getaddresses([str(message["X-RcptTo"] or "")]) if "@" in a]
    to = _first_address(message["To"]).lower()
    if to and (not envelope or to in envelope):
        return to
    return envelope[0] if envelope else to


def compose_answer(raw: bytes, body: str, *, sender_domain: str) -> EmailMessage:
    """A plain-text reply to a caught message, quoting it the way mail clients do."""
    original = _parse(raw)
    caught = _caught("-", raw)
    subject = caught.subject
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    when = caught.date.strftime("%a, %d %b %Y at %H:%M") if caught.date else "an earlier date"
    quoted = "\n".join(f"> {line}" if line else ">" for line in caught.text.rstrip().split("\n"))
    answer = EmailMessage(policy=SMTP)
    answer["From"] = _recipient_address(original)
    answer["To"] = caught.reply_to
    answer["Subject"] = subject
    answer["Date"] = format_datetime(now())
    answer["Message-ID"] = make_msgid(domain=sender_domain)
    if caught.message_id:
        references = " ".join(
            part for part in (str(original["References"] or "").strip(), caught.message_id) if part
        )
        answer["In-Reply-To"] = caught.message_id
        answer["References"] = references
    answer.set_content(f"{body.rstrip()}\n\nOn {when}, {caught.sender} wrote:\n{quoted}\n")
    return answer


def _listener_host(settings: Settings) -> str:
    host = settings.smtp_listen_host
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


async def _deliver(answer: EmailMessage, settings: Settings) -> None:
    host, port = _listener_host(settings), settings.smtp_listen_port
    sender, recipient = str(answer["From"]), str(answer["To"])
    if settings.smtp_listen_lmtp:

        def send_lmtp() -> None:
            with smtplib.LMTP(host, port, timeout=SMTP_TIMEOUT) as client:
                client.send_message(answer, from_addr=sender, to_addrs=[recipient])

        await asyncio.to_thread(send_lmtp)
        return
    await aiosmtplib.send(
        answer,
        hostname=host,
        port=port,
        sender=sender,
        recipients=[recipient],
        timeout=SMTP_TIMEOUT,
        start_tls=False,
        use_tls=False,
    )


async def answer_caught(
    *, actor: Actor | None, settings: Settings, message_id: str, body: str
) -> Answer:
    """Send ``body`` as the caught message's recipient, through the inbound SMTP listener."""
    require_dev_mailbox(actor, settings)
    checks = Checks()
    text = checks.body("body", body)
    checks.raise_if_any()
    raw = sink.get_raw(sink.mailbox_dir(settings), message_id)
    if raw is None:
        raise NotFound("That message is not in the dev mailbox.", field="id")
    answer = compose_answer(raw, text, sender_domain=settings.mail_domain)
    if not answer["To"] or not answer["From"]:
        raise Conflict("That message has no address to answer to or from.", field="id")
    try:
        await _deliver(answer, settings)
    except (OSError, smtplib.SMTPException, aiosmtplib.SMTPException) as exc:
        raise InboundUnavailable(
            f"The inbound SMTP listener on port {settings.smtp_listen_port} did not take the "
            f"answer: {exc}",
        ) from None
    return Answer(
        to=str(answer["To"]),
        sender=str(answer["From"]),
        subject=str(answer["Subject"]),
        message_id=str(answer["Message-ID"]),
    )
