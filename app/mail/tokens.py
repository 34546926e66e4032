"""Signed tokens in mail addresses and Message-IDs.

A reply address ``reply+<number>.<user>.<mac>@MAIL_DOMAIN`` binds one ticket to one
recipient: the MAC is an HMAC-SHA256 over both with the secret key, truncated to 100 bits and
written in lower-case base32 (mail systems may change the case of a local part). A token for
one recipient or ticket never validates for another. A contact CC'd on a ticket (no account)
has its own: ``reply+<number>.c<contact>.<mac>@MAIL_DOMAIN``, signed for a different purpose,
so a user's token never names a contact with the same id, nor the other way round; its
Message-IDs likewise name ``rc<contact>``.

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
_REPLY = re.compile(rf"^reply\+(\d+)\.(c?)(\d+)\.([a-z2-7]{{{MAC_CHARS}}})@(.+)$")
_MESSAGE_ID = re.compile(
    rf"^<?ticket-(\d+)(?:\.r(c?)(\d+))?\.([\w-]+)\.([a-z2-7]{{{MAC_CHARS}}})@([^>]+)>?$"
)


@dataclass(frozen=True)
class ReplyToken:
    ticket_number: int
    user_id: int | None  # None for a contact's token
    contact_id: int | None = None


@dataclass(frozen=True)
class SignedMessageId:
    ticket_number: int
    recipient_id: int | None  # None: the thread root, which every recipient's mail names
    contact_id: int | None = None  # set (recipient_id None) for a mail to a CC'd contact


def _mac(settings: Settings, purpose: str, *parts: object) -> str:
    key = settings.resolved_secret_key().encode()
    message = ":".join([purpose, *(str(p) for p in parts)]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode().lower()[:MAC_CHARS]


def reply_address(ticket_number: int, user_id: int, *, settings: Settings) -> str:
    mac = _mac(settings, "reply", ticket_number, user_id)
    return f"reply+{ticket_number}.{user_id}.{mac}@{settings.mail_domain}"


def contact_reply_address(ticket_number: int, contact_id: int, *, settings: Settings) -> str:
    """The reply address of a contact CC'd on the ticket (bound to that contact)."""
    mac = _mac(settings, "reply-contact", ticket_number, contact_id)
    return f"reply+{ticket_number}.c{contact_id}.{mac}@{settings.mail_domain}"


def parse_reply_address(address: str, *, settings: Settings) -> ReplyToken | None:
    """The ticket and recipient a reply address was made for, or None if forged or altered."""
    match = _REPLY.match(address.strip().lower())
    if match is None or match.group(5) != settings.mail_domain.lower():
        return None
    number, contact, who, mac = (
        int(match.group(1)),
        match.group(2) == "c",
        int(match.group(3)),
        match.group(4),
    )
    purpose = "reply-contact" if contact else "reply"
    if not hmac.compare_digest(mac, _mac(settings, purpose, number, who)):
        return None
    if contact:
        return ReplyToken(ticket_number=number, user_id=None, contact_id=who)
    return ReplyToken(ticket_number=number, user_id=who)


def message_id(
    ticket_number: int,
    discriminator: str,
    recipient_id: int | None = None,
    *,
    settings: Settings,
    contact_id: int | None = None,
) -> str:
    """``<ticket-N.rU.discriminator.mac@domain>`` for a mail to user U (``rcC`` to contact C;
    ``<ticket-N.discriminator.mac@domain>`` without one); the discriminator makes each mail
    unique."""
    safe = re.sub(r"[^\w-]", "-", discriminator)[:60]
    domain = settings.mail_domain
    if contact_id is not None:
        mac = _mac(settings, "mid-to-contact", ticket_number, contact_id)
        return f"<ticket-{ticket_number}.rc{contact_id}.{safe}.{mac}@{domain}>"
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
    if match is None or match.group(6) != settings.mail_domain.lower():
        return None
    number, mac = int(match.group(1)), match.group(5)
    contact: int | None = None
    recipient: int | None = None
    if match.group(3) is None:
        expected = _mac(settings, "mid", number)
    elif match.group(2) == "c":
        contact = int(match.group(3))
        expected = _mac(settings, "mid-to-contact", number, contact)
    else:
        recipient = int(match.group(3))
        expected = _mac(settings, "mid-to", number, recipient)
    if not hmac.compare_digest(mac, expected):
        return None
    return SignedMessageId(ticket_number=number, recipient_id=recipient, contact_id=contact)


def parse_message_id(value: str, *, settings: Settings) -> int | None:
    """The ticket number of one of our Message-IDs, or None if not ours or not authentic."""
    signed = parse_signed_message_id(value, settings=settings)
    return signed.ticket_number if signed is not None else None
