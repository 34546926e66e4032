"""Inbound mail with NUL bytes and other control characters: kept raw, the characters dropped
from its text, subject and names, and processed like any other (on PostgreSQL it used to be
refused with a temporary error, so the sending server retried it forever)."""

from __future__ import annotations

from mailin_support import deliver, messages_of, new_ticket

from app.config import get_settings
from app.mail import tokens
from app.models import InboundMail, InboundStatus, Ticket, User

CONTROLS = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f"


def with_controls(to: str, *, subject: str, sender: str) -> bytes:
    """What a broken client or a binary pasted into a mail sends: 8bit text with control
    characters in the body, the subject and the sender's name."""
    head = (
        f"From: Alice{CONTROLS} Client <{sender}>\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject}\x00 with{CONTROLS}controls\r\n"
        "Message-ID: <nul.1@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
    )
    body = f"The log says:\x00\x00 disk{CONTROLS} full\r\n\tindented line\r\n"
    return f"{head}\r\n{body}".encode()


async def test_a_reply_with_control_characters_is_kept_raw_and_posted_clean(
    people, redis, catcher
) -> None:
    ticket = await new_ticket(people)
    raw = with_controls(
        tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings()),
        subject="Re: Printer",
        sender="alice@example.com",
    )
    assert b"\x00" in raw
    posted = await deliver(raw, redis)
    assert posted.status is InboundStatus.PROCESSED, posted.reason
    assert posted.attempts == 1
    stored = await InboundMail.get(id=posted.id)
    assert bytes(stored.raw_bytes) == raw  # nothing lost
    assert stored.subject == "Re: Printer with controls"
    body = (await messages_of(ticket))[-1].body
    assert body == "The log says: disk full\n\tindented line"


async def test_a_new_ticket_with_control_characters_is_opened_clean(people, redis) -> None:
    raw = with_controls("billing@helpdesk.test", subject="Disk", sender="dora@example.org")
    opened = await deliver(raw, redis)
    assert opened.status is InboundStatus.PROCESSED, opened.reason
    ticket = await Ticket.get(id=opened.ticket_id)
    assert ticket.subject == "Disk with controls"
    dora = await User.get(email="dora@example.org")
    assert dora.name == "Alice Client"
    [first] = await messages_of(ticket)
    assert first.body == "The log says: disk full\n\tindented line"
