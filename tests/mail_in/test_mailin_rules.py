"""Matching and refusal rules: who may post where by mail, and that a refused message never
posts as anyone. Each refusal is stored with its reason; the sender gets one notice a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mail.fixtures import (
    gmail_reply,
    iso2022jp_reply,
    koi8r_reply,
    plain_reply,
    windows1252_reply,
)
from mailin_support import deliver, messages_of, new_ticket

from app.config import get_settings
from app.mail import tokens
from app.models import InboundStatus, Role, Ticket, TicketStatus, User
from app.services.tickets import close_ticket

ALICE, BOB = "alice@example.com", "bob@example.com"


def forged(number: int, user_id: int) -> str:
    return f"reply+{number}.{user_id}.{'a' * tokens.MAC_CHARS}@helpdesk.test"


async def assert_nothing_posted(ticket: Ticket, before: int = 1) -> None:
    assert len(await messages_of(ticket)) == before


async def test_reply_address_posts_as_its_recipient(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    mail = await deliver(
        gmail_reply(
            tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
        ),
        redis,
    )
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    assert "matched by reply address" in mail.reason
    posted = (await messages_of(ticket))[-1]
    assert (posted.body, posted.author_id) == ("Thanks, it works again!", people.client_a.id)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CUSTOMER_REPLY
    assert catcher.caught == []  # no notice for a good reply


async def test_staff_reply_by_mail_sets_answered(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.staff_x.id, settings=get_settings())
    mail = await deliver(plain_reply(to, "On it.", from_addr="xavier@example.com"), redis)
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.ANSWERED


async def test_forged_reply_address_is_refused_and_the_sender_told(people, redis, catcher) -> None:
    ticket = await new_ticket(people, "Secret merger")
    mail = await deliver(plain_reply(forged(ticket.number, people.client_a.id), "Hi"), redis)
    assert mail.status is InboundStatus.REFUSED
    assert mail.reason == "forged or altered reply address"
    await assert_nothing_posted(ticket)
    [notice] = await catcher.wait_for(ALICE)
    assert notice.message["Auto-Submitted"] == "auto-replied"
    assert notice.mail_from == "<>"  # a bounce of the notice must not come back to us
    assert "not valid" in notice.text()
    assert "Secret merger" not in notice.text()  # nothing about the ticket leaks


@pytest.mark.parametrize("part", ["ticket", "user"])
async def test_altered_reply_address_is_refused(people, redis, catcher, part) -> None:
    ticket = await new_ticket(people)
    other = await new_ticket(people, "Someone else's")
    valid = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    number, user = (
        (other.number, people.client_a.id)
        if part == "ticket"
        else (
            ticket.number,
            people.client_b.id,
        )
    )
    mac = valid.split("@")[0].rsplit(".", 1)[1]
    altered = f"reply+{number}.{user}.{mac}@helpdesk.test"
    sender = ALICE if part == "ticket" else BOB
    mail = await deliver(plain_reply(altered, "Let me in", from_addr=sender), redis)
    assert (mail.status, mail.reason) == (InboundStatus.REFUSED, "forged or altered reply address")
    await assert_nothing_posted(ticket)
    await assert_nothing_posted(other)


async def test_valid_reply_address_from_another_sender_never_posts(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    alices_address = tokens.reply_address(
        ticket.number, people.client_a.id, settings=get_settings()
    )
    mail = await deliver(plain_reply(alices_address, "I am Alice", from_addr=BOB), redis)
    assert mail.status is InboundStatus.REFUSED
    assert mail.reason == "valid reply address used by another sender"
    await assert_nothing_posted(ticket)
    await catcher.wait_for(BOB)
    assert catcher.to(ALICE) == []  # the token's owner hears nothing, and nothing is posted


async def test_reply_to_ticket_closed_too_long_ago_is_refused(
    people, redis, catcher, frozen_clock, settings
) -> None:
    ticket = await new_ticket(people)
    await close_ticket(actor=people.staff_x.actor, number=ticket.number)
    frozen_clock.advance(timedelta(days=settings.reopen_window_days, hours=1))
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    mail = await deliver(plain_reply(to, "It broke again"), redis)
    assert mail.status is InboundStatus.REFUSED
    assert mail.reason == f"ticket #{ticket.number} was closed more than 30 days ago"
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CLOSED
    await assert_nothing_posted(ticket)
    [notice] = await catcher.wait_for(ALICE)
    assert "open a new ticket" in notice.text()


async def test_reply_to_recently_closed_ticket_reopens_it(
    people, redis, catcher, frozen_clock, settings
) -> None:
    ticket = await new_ticket(people)
    await close_ticket(actor=people.staff_x.actor, number=ticket.number)
    frozen_clock.advance(timedelta(days=settings.reopen_window_days - 1))
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    mail = await deliver(plain_reply(to, "It broke again"), redis)
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    reopened = await Ticket.get(id=ticket.id)
    assert (reopened.status, reopened.closed_at) == (TicketStatus.CUSTOMER_REPLY, None)


async def test_one_notice_per_sender_per_day(people, redis, catcher, frozen_clock) -> None:
    ticket = await new_ticket(people)
    for n in range(3):
        raw = plain_reply(forged(ticket.number, people.client_a.id), "x", message_id=f"<f{n}@a>")
        assert (await deliver(raw, redis)).status is InboundStatus.REFUSED
    await catcher.wait_for(ALICE)
    assert len(catcher.to(ALICE)) == 1
    frozen_clock.advance(timedelta(hours=23))
    raw = plain_reply(forged(ticket.number, people.client_a.id), "x", message_id="<f3@a>")
    await deliver(raw, redis)
    assert len(catcher.to(ALICE)) == 1
    frozen_clock.advance(timedelta(hours=2))
    raw = plain_reply(forged(ticket.number, people.client_a.id), "x", message_id="<f4@a>")
    await deliver(raw, redis)
    assert len(await catcher.wait_for(ALICE, count=2)) == 2


async def test_signed_message_id_matches_without_reply_address(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    parent = tokens.message_id(
        ticket.number, "m1", people.client_a.id, settings=get_settings()
    )  # sent to Alice
    raw = plain_reply("support@helpdesk.test", "Via the department address", in_reply_to=parent)
    mail = await deliver(raw, redis)
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    assert "matched by Message-ID" in mail.reason
    assert (await messages_of(ticket))[-1].body == "Via the department address"
    assert await Ticket.all().count() == 1  # no new ticket


async def test_signed_message_id_from_a_sender_without_access_is_refused(
    people, redis, catcher
) -> None:
    ticket = await new_ticket(people)
    parent = tokens.message_id(ticket.number, "m1", settings=get_settings())
    raw = plain_reply("support@helpdesk.test", "Me too", from_addr=BOB, in_reply_to=parent)
    mail = await deliver(raw, redis)
    assert (mail.status, mail.reason) == (
        InboundStatus.REFUSED,
        "sender may not reply to the ticket it refers to",
    )
    await assert_nothing_posted(ticket)


@pytest.mark.parametrize(
    ("sender", "outcome"),
    [
        (ALICE, "reply"),  # the ticket's client
        ("xavier@example.com", "reply"),  # staff of its department
        ("yolanda@example.com", "refused"),  # staff without access: not a reply
        ("stranger@example.org", "new ticket"),  # nobody: a new ticket, not a reply
    ],
)
async def test_ticket_number_in_subject_only_for_client_or_staff_with_access(
    people, redis, catcher, settings, monkeypatch, sender, outcome
) -> None:
    """Each sender proven by our receiving server (without proof it is held: see
    test_mailin_trust.py)."""
    monkeypatch.setattr(settings, "mail_authserv_id", "mx.helpdesk.test")
    ticket = await new_ticket(people)
    domain = sender.rpartition("@")[2]
    raw = plain_reply(
        "support@helpdesk.test",
        "About my ticket",
        from_addr=sender,
        in_reply_to=None,
        subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
        extra_headers={
            "Authentication-Results": f"mx.helpdesk.test; dmarc=pass header.from={domain}"
        },
    )
    mail = await deliver(raw, redis)
    if outcome == "reply":
        assert mail.status is InboundStatus.PROCESSED, mail.reason
        assert "matched by subject" in mail.reason
        assert (await messages_of(ticket))[-1].body == "About my ticket"
        return
    await assert_nothing_posted(ticket)
    if outcome == "refused":
        assert (mail.status, mail.reason) == (
            InboundStatus.REFUSED,
            "staff cannot open a ticket by email",
        )
    else:
        assert mail.status is InboundStatus.PROCESSED
        created = await Ticket.exclude(id=ticket.id).get()
        assert created.client_id == (await User.get(email=sender)).id
        # The new ticket does not carry the other ticket's tag in its subject.
        assert created.subject == "Re: Printer is on fire"


async def test_mail_to_a_department_opens_a_ticket_for_an_unknown_sender(
    people, redis, catcher
) -> None:
    raw = plain_reply(
        "billing@helpdesk.test",
        "Please send me last month's invoice.\n\n-- \nCarol, ACME",
        from_addr="carol@example.org",
        from_name="Carol Customer",
        in_reply_to=None,
        subject="Invoice for May",
    )
    mail = await deliver(raw, redis)
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    carol = await User.get(email="carol@example.org")
    assert (carol.role, carol.name, carol.password_hash) == (Role.CLIENT, "Carol Customer", None)
    ticket = await Ticket.get(client_id=carol.id)
    assert (ticket.subject, ticket.department_id, ticket.status) == (
        "Invoice for May",
        people.dept_y.id,
        TicketStatus.OPEN,
    )
    [first] = await messages_of(ticket)
    assert first.body.startswith("Please send me last month's invoice.")
    assert mail.ticket_id == ticket.id


async def test_unknown_senders_can_be_refused(
    people, redis, catcher, settings, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "unknown_senders_become_clients", False)
    raw = plain_reply("support@helpdesk.test", "Hello", from_addr="eve@example.org")
    mail = await deliver(raw, redis)
    assert mail.status is InboundStatus.REFUSED
    assert not await User.filter(email="eve@example.org").exists()
    assert await Ticket.all().count() == 0
    assert catcher.caught == []  # no backscatter to addresses that may be forged


async def test_mail_to_no_known_address_is_ignored(people, redis, catcher) -> None:
    mail = await deliver(plain_reply("nobody@helpdesk.test", "Hello?"), redis)
    assert mail.status is InboundStatus.IGNORED
    assert await Ticket.all().count() == 0


@pytest.mark.parametrize(
    ("builder", "expected"),
    [
        (windows1252_reply, "It\u2019s fixed \u2014 the \u201cnew\u201d toner cost 45 \u20ac."),
        (koi8r_reply, "Спасибо, принтер снова работает."),
        (iso2022jp_reply, "ありがとうございます。直りました。"),
    ],
    ids=["windows-1252", "koi8-r", "iso-2022-jp"],
)
async def test_replies_in_other_charsets_land_decoded(people, redis, builder, expected) -> None:
    ticket = await new_ticket(people)
    mail = await deliver(
        builder(tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())),
        redis,
    )
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    assert (await messages_of(ticket))[-1].body == expected
