"""Bad inbound mail still gets a clean outcome: NUL bytes and other control characters are kept
in the raw mail and dropped from the text, which is posted (it used to be retried forever on
PostgreSQL); over-size mail over SMTP is recorded with its real size and its headers."""

from __future__ import annotations

import aiosmtplib
import pytest
from mailin_support import deliver, free_port, messages_of, new_ticket
from test_mailin_transports import lmtp_session

from app.mail import tokens
from app.mail.listeners import start_smtp_listener
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
        tokens.reply_address(ticket.number, people.client_a.id),
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


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
async def test_over_size_mail_over_smtp_keeps_its_real_size_and_headers(
    people, settings, monkeypatch, lmtp
) -> None:
    monkeypatch.setattr(settings, "max_inbound_mail_bytes", 50_000)
    monkeypatch.setattr(settings, "smtp_listen_lmtp", lmtp)
    port = free_port()
    server = await start_smtp_listener(settings, None, host="127.0.0.1", port=port)
    raw = (
        "From: Alice Client <alice@example.com>\r\n"
        "To: support@helpdesk.test\r\n"
        "Subject: The whole log file\r\n"
        "Message-ID: <big.log.1@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n" + ".starts with a dot\r\n" + ("y" * 70 + "\r\n") * 2000
    ).encode()
    try:
        if lmtp:
            stuffed = raw.replace(b"\r\n.", b"\r\n..")  # what a client sends (RFC 5321 4.5.2)
            [reply] = await lmtp_session(port, ["support@helpdesk.test"], stuffed)
            assert reply.startswith(b"552")
        else:
            async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
                await client.mail("alice@example.com")  # no SIZE declared
                await client.rcpt("support@helpdesk.test")
                with pytest.raises(aiosmtplib.SMTPDataError) as refused:
                    await client.data(raw)
                assert refused.value.code == 552
    finally:
        server.close()
        await server.wait_closed()
    stored = await InboundMail.get()
    trace = b"Return-Path: <alice@example.com>\r\nDelivered-To: support@helpdesk.test\r\n"
    assert (stored.status, stored.transport) == (InboundStatus.FAILED, "lmtp" if lmtp else "smtp")
    assert stored.size == len(trace) + len(raw)
    assert (stored.sender, stored.subject, stored.dedupe_key) == (
        "alice@example.com",
        "The whole log file",
        "mid:big.log.1@example.com",
    )
    assert stored.reason.startswith(f"too large: {stored.size} bytes, over the limit of 50000")
    assert bytes(stored.raw_bytes).startswith(trace + raw[:1000])
