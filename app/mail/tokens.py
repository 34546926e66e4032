"""Signed tokens in mail addresses and Message-IDs.

A reply address ``reply+<number>.<user>.<mac>@MAIL_DOMAIN`` binds one ticket to one
recipient: the MAC is an HMAC-SHA256 over both with the secret key, truncated to 100 bits and
written in lower-case base32 (mail systems may change the case of a local part). A token for
one recipient or ticket never validates for another.

Message-IDs are signed the same way. Each notification's ``<ticket-N.rU.….mac@domain>`` binds
the ticket and the one recipient it was sent to, so a reply naming it in In-Reply-To or
References proves the sender as well as the ticket. The thread root ``<ticket-N.thread.mac@…>``
(and the IDs sent before recipients were bound) name only the ticket: every recipient's mail
references the root, so it proves no sender.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from app.config import Settings

MAC_CHARS = 20  # 20 base32 characters = 100 bits
_REPLY = re.compile(rf"^reply\+(\d+)\.(\d+)\.([a-z2-7]{{{MAC_CHARS}}})@(.+)$")
_MESSAGE_ID = re.compile(
    rf"^<?ticket-(\d+)(?:\.r(\d+))?\.([\w-]+)\.([a-z2-7]{{{MAC_CHARS}}})@([^>]+)>?$"
)


@dataclass(frozen=True)
class ReplyToken:
    ticket_number: int
    user_id: int


@dataclass(frozen=True)
class SignedMessageId:
    ticket_number: int
    recipient_id: int | None  # None: the thread root, which every recipient's mail names


def _mac(settings: Settings, purpose: str, *parts: object) -> str:
    key = settings.resolved_secret_key().encode()
    message = ":".join([purpose, *(str(p) for p in parts)]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:MAC_CHARS]


def reply_address(ticket_number: int, user_id: int, *, settings: Settings) -> str:
    mac = _mac(settings, "reply", ticket_number, user_id)
    return f"reply+{ticket_number}.{user_id}.{mac}@{settings.mail_domain}"


def parse_reply_address(address: str, *, settings: Settings) -> ReplyToken | None:
    """The ticket and recipient a reply address was made for, or None if forged or altered."""
    match = _REPLY.match(address.strip().lower())
    if match is None or match.group(4) != settings.mail_domain.lower():
        return None
    number, user_id, mac = int(match.group(1)), int(match.group(2)), match.group(3)
    if not hmac.compare_digest(mac, _mac(settings, "reply", number, user_id)):
        return None
    return ReplyToken(ticket_number=number, user_id=user_id)


def message_id(
    ticket_number: int, discriminator: str, recipient_id: int | None = None, *, settings: Settings
) -> str:
    """``<ticket-N.rU.discriminator.mac@domain>`` for a mail to user U (``<ticket-N.
    discriminator.mac@domain>`` without one); the discriminator makes each mail unique."""
    safe = re.sub(r"[^\w-]", "-", discriminator)[:60]
    domain = settings.mail_domain
    if recipient_id is None:
        return f"<ticket-{ticket_number}.{safe}.{_mac(settings, 'mid', ticket_number)}@{domain}>"
    mac = _mac(settings, "mid-to", ticket_number, recipient_id)
    return f"<ticket-{ticket_number}.r{recipient_id}.{safe}.{mac}@{domain}>"


def thread_root_id(ticket_number: int, *, settings: Settings) -> str:
    """The Message-ID every notification of a ticket references, so clients thread them."""
    return message_id(ticket_number, "thread", settings=settings)


def parse_signed_message_id(value: str, *, settings: Settings) -> SignedMessageId | None:
    """The ticket (and recipient) one of our Message-IDs was made for, or None if it is not
    ours or was altered."""
    match = _MESSAGE_ID.match(value.strip().lower())
    if match is None or match.group(5) != settings.mail_domain.lower():
        return None
    number, mac = int(match.group(1)), match.group(4)
    if match.group(2) is None:
        expected, recipient = _mac(settings, "mid", number), None
    else:
        recipient = int(match.group(2))
        expected = _mac(settings, "mid-to", number, recipient)
    if not hmac.compare_digest(mac, expected):
        return None
    return SignedMessageId(ticket_number=number, recipient_id=recipient)


def parse_message_id(value: str, *, settings: Settings) -> int | None:
    """The ticket number of one of our Message-IDs, or None if not ours or not authentic."""
    signed = parse_signed_message_id(value, settings=settings)
    return signed.ticket_number if signed is not None else None
