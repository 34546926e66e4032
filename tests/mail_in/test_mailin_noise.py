"""Loops and noise: automatic replies, bounces and our own mail are stored, never become
replies or tickets, and are never answered; a message seen before is not processed twice."""

from __future__ import annotations

import aiosmtplib
import pytest
from mail.fixtures import auto_reply, bounce, plain_reply
from mailin_support import deliver, free_port, messages_of, new_ticket

from app.config import get_settings
from app.mail import tokens
from app.mail.inbound.notices import compose_notice
from app.mail.inbound.process import process_inbound
from app.mail.inbound.store import store_message
from app.mail.listeners import start_smtp_listener
from app.models import InboundMail, InboundStatus, Ticket

NO_SUPPRESS = {"X-Auto-Response-Suppress": None}
AUTO_KINDS = {
    "auto-submitted": {"auto_submitted": "auto-replied"},
    "auto-generated": {"auto_submitted": "auto-generated", "extra_headers": NO_SUPPRESS},
    "precedence-bulk": {"auto_submitted": None, "extra_headers": {**NO_SUPPRESS, "Precedence": "bulk"}},
    "precedence-junk": {"auto_submitted": None, "extra_headers": {**NO_SUPPRESS, "Precedence": "junk"}},
    "precedence-list": {"auto_submitted": None, "extra_headers": {**NO_SUPPRESS, "Precedence": "list"}},
    "precedence-auto_reply": {
        "auto_submitted": None,
        "extra_headers": {**NO_SUPPRESS, "Precedence": "auto_reply"},
    },
    "x-autoreply": {"auto_submitted": None, "extra_headers": {**NO_SUPPRESS, "X-Autoreply": "yes"}},
    "x-autorespond": {
        "auto_submitted": None,
        "extra_headers": {**NO_SUPPRESS, "X-Autorespond": "Out of office"},
    },
}  # fmt: skip
OOF_SUBJECTS = [
    "Out of Office: Printer is on fire",
    "Automatic reply: Printer is on fire",
    "Abwesenheitsnotiz: Printer is on fire",
    "Réponse automatique : Printer is on fire",
    "Respuesta automática: Printer is on fire",
    "Risposta automatica: Printer is on fire",
    "Automatisch antwoord: Printer is on fire",
]


async def assert_ignored(mail: InboundMail, ticket: Ticket, catcher, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert mail.status is InboundStatus.IGNORED
    assert reason in (mail.reason or "")
    assert len(await messages_of(ticket)) == 1
    assert await Ticket.all().count() == 1
    assert catcher.caught == []  # never answered


@pytest.mark.parametrize("kind", list(AUTO_KINDS))
async def test_auto_replies_never_become_replies(people, redis, catcher, kind) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    mail = await deliver(auto_reply(to, subject="Re: Printer", **AUTO_KINDS[kind]), redis)
    await assert_ignored(mail, ticket, catcher, "automatic mail")


@pytest.mark.parametrize("subject", OOF_SUBJECTS)
async def test_out_of_office_subjects_never_become_replies(people, redis, catcher, subject) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    raw = auto_reply(to, subject=subject, auto_submitted=None, extra_headers=NO_SUPPRESS)
    mail = await deliver(raw, redis)
    await assert_ignored(mail, ticket, catcher, "out-of-office subject")


async def test_auto_reply_to_a_department_opens_no_ticket(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    raw = auto_reply("support@helpdesk.test", from_addr="robot@example.org", in_reply_to=None)
    mail = await deliver(raw, redis)
    await assert_ignored(mail, ticket, catcher, "automatic mail")
    assert await InboundMail.filter(sender="robot@example.org").count() == 1  # but stored


async def test_delivery_status_report_is_a_bounce(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    mail = await deliver(bounce(to), redis)
    await assert_ignored(mail, ticket, catcher, "bounce")


async def test_mail_from_mailer_daemon_is_a_bounce(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    raw = plain_reply(to, "Delivery failed", from_addr="postmaster@example.com")
    mail = await deliver(raw, redis)
    await assert_ignored(mail, ticket, catcher, "bounce")


async def test_null_envelope_sender_over_smtp_is_a_bounce(people, redis, catcher, settings) -> None:
    """The listener records the envelope sender as Return-Path; MAIL FROM:<> is a bounce."""
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    raw = plain_reply(
        to, "Your message could not be delivered", extra_headers={"Return-Path": None}
    )
    port = free_port()
    server = await start_smtp_listener(settings, None, host="127.0.0.1", port=port)
    try:
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as client:
            await client.sendmail("", [to], raw)
    finally:
        server.close()
        await server.wait_closed()
    stored = await InboundMail.get(transport="smtp")
    mail = await process_inbound(stored.id, redis=redis, settings=get_settings())
    await assert_ignored(mail, ticket, catcher, "Return-Path: <>")


async def test_our_own_notification_coming_back_is_ignored(thread, redis, catcher) -> None:
    raw = thread.notification.message.as_bytes()
    mail = await deliver(raw, redis)
    assert (mail.status, mail.reason) == (
        InboundStatus.IGNORED,
        "our own mail: Message-ID is one of ours",
    )
    ticket = await Ticket.get(number=thread.number)
    assert len(await messages_of(ticket)) == 2  # the opening message and the staff reply


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"From": "Helpdesk <support@helpdesk.test>"}, "sent from support@helpdesk.test"),
        ({"From": "billing@helpdesk.test"}, "the department address billing@helpdesk.test"),
        ({"X-Helpdesk-Ticket": "1000"}, "X-Helpdesk-Ticket header"),
    ],
)
async def test_mail_that_looks_like_ours_is_ignored(
    people, redis, catcher, headers, reason
) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    mail = await deliver(plain_reply(to, "Loop?", extra_headers=headers), redis)
    await assert_ignored(mail, ticket, catcher, reason)


async def test_our_refusal_notice_coming_back_is_ignored(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    notice = compose_notice(
        to="support@helpdesk.test", in_reply_to=None, explanation="No.", settings=get_settings()
    )
    mail = await deliver(notice.as_bytes(), redis)
    await assert_ignored(mail, ticket, catcher, "our own mail")


async def test_same_message_id_is_processed_once(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    first = plain_reply(to, "Only once", message_id="<once@example.com>")
    # The same message relayed again: an extra trace header changes the bytes, not the id.
    again = b"Received: from relay.example.net\r\n" + first
    stored = [
        await store_message(raw, transport="smtp", settings=get_settings())
        for raw in (first, again, first)
    ]
    assert [s.created for s in stored] == [True, False, False]
    assert len({s.id for s in stored}) == 1
    for s in stored:
        await process_inbound(s.id, redis=redis, settings=get_settings())
    assert [m.body for m in await messages_of(ticket)] == ["Help", "Only once"]
    assert await InboundMail.all().count() == 1


async def test_without_message_id_identical_bytes_are_one_message(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    raw = plain_reply(to, "No id", extra_headers={"Message-ID": None})
    first = await store_message(raw, transport="pipe", settings=get_settings())
    second = await store_message(raw, transport="http", settings=get_settings())
    assert (first.id, second.created) == (second.id, False)
    other = await store_message(
        raw.replace(b"No id", b"No id!"), transport="pipe", settings=get_settings()
    )
    assert other.created and other.id != first.id
