"""Signed tokens in mail addresses and Message-IDs.

A reply address ``reply+<number>.<user>.<mac>@MAIL_DOMAIN`` binds one ticket to one
recipient: the MAC is an HMAC-SHA256 over both with the secret key, truncated to 100 bits and
written in lower-case base32 (mail systems may change the case of a local part). A token for
one recipient or ticket never validates for another. Message-IDs carry a MAC over the ticket
number the same way, so a reply without the reply address can still be matched safely.
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
_MESSAGE_ID = re.compile(rf"^<?ticket-(\d+)\.([\w-]+)\.([a-z2-7]{{{MAC_CHARS}}})@([^>]+)>?$")


@dataclass(frozen=True)
class ReplyToken:
    ticket_number: int
    user_id: int


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


def message_id(ticket_number: int, discriminator: str, *, settings: Settings) -> str:
    """``<ticket-N.discriminator.mac@domain>``; the discriminator makes each mail unique."""
    safe = re.sub(r"[^\w-]", "-", discriminator)[:60]
    mac = _mac(settings, "mid", ticket_number)
    return f"<ticket-{ticket_number}.{safe}.{mac}@{settings.mail_domain}>"


def thread_root_id(ticket_number: int, *, settings: Settings) -> str:
    """The Message-ID every notification of a ticket references, so clients thread them."""
    return message_id(ticket_number, "thread", settings=settings)


def parse_message_id(value: str, *, settings: Settings) -> int | None:
    """The ticket number of one of our Message-IDs, or None if not ours or not authentic."""
    match = _MESSAGE_ID.match(value.strip().lower())
    if match is None or match.group(4) != settings.mail_domain.lower():
        return None
    number = int(match.group(1))
    return number if hmac.compare_digest(match.group(3), _mac(settings, "mid", number)) else None
