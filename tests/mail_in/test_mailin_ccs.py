"""CC by mail, with real MIME: the Cc of mail that opens or answers a ticket is kept as its CC
addresses (MAIL_KEEP_CC; never ours, staff or the client), and a CC'd contact's reply posts as
that contact only when the mail proves it (its own reply address, a Message-ID we sent it);
anything else is refused or held, and a contact removed from the CC is held."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from mailin_support import deliver, messages_of, new_ticket, run_jobs

from app.config import get_settings
from app.errors import NotFound
from app.mail import tokens
from app.mail.inbound.admin import accept_held
from app.models import (
    AuditEntry,
    Contact,
    InboundMail,
    InboundStatus,
    Ticket,
    TicketCc,
    TicketStatus,
    User,
)
from app.services import ccs
from app.services.tickets import get_ticket

CARL = "carl@customer.example"
DORA = "dora@customer.example"


def mail(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    cc: str | None = None,
    message_id: str = "<m.1@customer.example>",
    in_reply_to: str | None = None,
    authentication_results: str | None = None,
) -> bytes:
    message = EmailMessage()
    if authentication_results:
        message["Authentication-Results"] = authentication_results
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["Date"] = "Tue, 04 Jun 2024 09:30:00 +0000"
    message.set_content(body)
    return bytes(message)


async def cc_emails(ticket_id: int) -> list[str]:
    links = await TicketCc.filter(ticket_id=ticket_id).select_related("contact").order_by("id")
    return [link.contact.email for link in links]


async def test_the_cc_of_a_proven_new_ticket_by_mail_is_kept(
    people, redis, catcher, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "mail_authserv_id", "mx.helpdesk.test")
    raw = mail(
        sender="Alice Client <alice@example.com>",
        to="support@helpdesk.test",
        cc=(
            f"Carl Colleague <{CARL}>, Xavier Staff <xavier@example.com>, "
            "billing@helpdesk.test, alice@example.com"
        ),
        subject="VPN down",
        body="Since this morning.",
        authentication_results="mx.helpdesk.test; dmarc=pass header.from=example.com",
    )
    stored = await deliver(raw, redis)
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    ticket = await Ticket.get(id=stored.ticket_id)
    # Staff, our own addresses and the client herself are never CC'd.
    assert await cc_emails(ticket.id) == [CARL]
    contact = await Contact.get(email=CARL)
    assert (contact.name, contact.client_id) == ("Carl Colleague", people.client_a.id)
    entry = await AuditEntry.get(ticket_id=ticket.id, field="cc")
    assert (entry.old_value, entry.new_value) == (None, CARL)


async def test_a_forged_clients_new_ticket_copies_nobody_and_staff_are_told(
    people, redis, catcher
) -> None:
    """Anyone can write "From: alice@…": the ticket is hers (answers go to her), but the Cc
    of unproven mail would copy a stranger on her replies. It is kept as a note for staff."""
    raw = mail(
        sender="Alice Client <alice@example.com>",
        to="support@helpdesk.test",
        cc="attacker@evil.example",
        subject="Change my bank details",
        body="Please send the new IBAN here.",
    )
    stored = await deliver(raw, redis)
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    assert "its Cc not added" in stored.reason
    ticket = await Ticket.get(id=stored.ticket_id)
    assert ticket.client_id == people.client_a.id
    assert await cc_emails(ticket.id) == []
    assert not await Contact.filter(email="attacker@evil.example").exists()
    note = (await messages_of(ticket))[-1]
    assert note.internal and note.author_id is None
    assert "attacker@evil.example" in note.body and "nothing proves" in note.body
    # Alice does not see the note; staff of the department do.
    client_view = await get_ticket(actor=people.client_a.actor, number=ticket.number)
    assert client_view.id == ticket.id
    public = [m for m in await messages_of(ticket) if not m.internal]
    assert [m.body for m in public] == ["Please send the new IBAN here."]


async def test_the_cc_of_a_reply_is_added(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    await ccs.set_ticket_ccs(
        actor=people.client_a.actor, settings=get_settings(), number=ticket.number, addresses=[CARL]
    )
    raw = mail(
        sender="alice@example.com",
        to=tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings()),
        cc=f"Dora <{DORA}>, {CARL}",
        subject=f"Re: [Ticket #{ticket.number}] Printer",
        body="Adding Dora, she runs the printers.",
    )
    stored = await deliver(raw, redis)
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    assert await cc_emails(ticket.id) == [CARL, DORA]


async def test_with_mail_keep_cc_off_the_cc_is_not_kept(
    people, redis, catcher, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "mail_keep_cc", False)
    opened = await deliver(
        mail(
            sender="alice@example.com",
            to="support@helpdesk.test",
            cc=CARL,
            subject="VPN down",
            body="Since this morning.",
        ),
        redis,
    )
    assert opened.status is InboundStatus.PROCESSED, opened.reason
    ticket = await Ticket.get(id=opened.ticket_id)
    replied = await deliver(
        mail(
            sender="alice@example.com",
            to=tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings()),
            cc=DORA,
            subject="Re: VPN down",
            body="Still down.",
            message_id="<m.2@customer.example>",
        ),
        redis,
    )
    assert replied.status is InboundStatus.PROCESSED, replied.reason
    assert await cc_emails(ticket.id) == []
    assert await Contact.all().count() == 0


@pytest.fixture
async def ccd(people):
    """A ticket of Alice with Carl CC'd, and Carl's contact row."""
    ticket = await new_ticket(people)
    await ccs.set_ticket_ccs(
        actor=people.client_a.actor,
        settings=get_settings(),
        number=ticket.number,
        addresses=[f"Carl Colleague <{CARL}>"],
    )
    return ticket, await Contact.get(email=CARL)


async def test_a_contacts_tokened_reply_posts_as_the_contact(people, redis, catcher, ccd) -> None:
    ticket, contact = ccd
    address = tokens.contact_reply_address(ticket.number, contact.id, settings=get_settings())
    stored = await deliver(
        mail(
            sender=f"Carl Colleague <{CARL}>",
            to=address,
            subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
            body="Same problem on the second floor.",
        ),
        redis,
    )
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    assert f"contact {CARL}" in stored.reason
    posted = (await messages_of(ticket))[-1]
    assert (posted.body, posted.author_id, posted.author_contact_id, posted.internal) == (
        "Same problem on the second floor.",
        None,
        contact.id,
        False,
    )
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CUSTOMER_REPLY


async def test_a_contacts_reply_with_its_own_cc_adds_nobody(people, redis, catcher, ccd) -> None:
    """Only the client and staff add CCs: a contact's mail posts, its Cc is left out (no
    contact row, no audit entry), so a colleague cannot widen who gets the client's mail."""
    ticket, contact = ccd
    audit_before = await AuditEntry.filter(ticket_id=ticket.id, field="cc").count()
    stored = await deliver(
        mail(
            sender=f"Carl Colleague <{CARL}>",
            to=tokens.contact_reply_address(ticket.number, contact.id, settings=get_settings()),
            cc=f"Dora <{DORA}>, eve@elsewhere.example",
            subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
            body="Copying Dora and Eve.",
        ),
        redis,
    )
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    assert (await messages_of(ticket))[-1].body == "Copying Dora and Eve."
    assert await cc_emails(ticket.id) == [CARL]
    assert await Contact.filter(email__in=[DORA, "eve@elsewhere.example"]).count() == 0
    assert await AuditEntry.filter(ticket_id=ticket.id, field="cc").count() == audit_before
    # The client's own mail with the same Cc still adds it.
    replied = await deliver(
        mail(
            sender="alice@example.com",
            to=tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings()),
            cc=f"Dora <{DORA}>",
            subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
            body="Adding Dora myself.",
            message_id="<m.2@customer.example>",
        ),
        redis,
    )
    assert replied.status is InboundStatus.PROCESSED, replied.reason
    assert await cc_emails(ticket.id) == [CARL, DORA]


async def test_a_contacts_reply_by_a_message_id_sent_to_it_posts(
    people, redis, catcher, ccd
) -> None:
    ticket, contact = ccd
    sent = tokens.message_id(ticket.number, "x", contact_id=contact.id, settings=get_settings())
    stored = await deliver(
        mail(
            sender=CARL,
            to="support@helpdesk.test",
            subject="Re: Printer",
            body="Replying from my phone.",
            in_reply_to=sent,
        ),
        redis,
    )
    assert stored.status is InboundStatus.PROCESSED, stored.reason
    assert (await messages_of(ticket))[-1].author_contact_id == contact.id


async def test_a_forged_contact_reply_never_posts(people, redis, catcher, ccd) -> None:
    ticket, contact = ccd
    address = tokens.contact_reply_address(ticket.number, contact.id, settings=get_settings())
    # Carl's reply address, From someone else: refused.
    other = await deliver(
        mail(sender="mallory@evil.example", to=address, subject="Re: x", body="Pay me."),
        redis,
    )
    assert other.status is InboundStatus.REFUSED
    # An altered token: refused as forged.
    altered = address.replace(f".c{contact.id}.", f".c{contact.id + 1}.")
    forged = await deliver(
        mail(
            sender=CARL,
            to=altered,
            subject="Re: x",
            body="Pay me.",
            message_id="<m.3@customer.example>",
        ),
        redis,
    )
    assert forged.status is InboundStatus.REFUSED
    # From Carl, naming the ticket only by its subject: nothing proves it, so it is held.
    held = await deliver(
        mail(
            sender=CARL,
            to="support@helpdesk.test",
            subject=f"Re: [Ticket #{ticket.number}] Printer",
            body="Pay me.",
            message_id="<m.4@customer.example>",
        ),
        redis,
    )
    assert held.status is InboundStatus.HELD, held.reason
    # A Message-ID we sent to Alice, From Carl: not his, held.
    alices = tokens.message_id(ticket.number, "y", people.client_a.id, settings=get_settings())
    held_too = await deliver(
        mail(
            sender=CARL,
            to="support@helpdesk.test",
            subject="Re: Printer",
            body="Pay me.",
            message_id="<m.5@customer.example>",
            in_reply_to=alices,
        ),
        redis,
    )
    assert held_too.status is InboundStatus.HELD, held_too.reason
    assert [m.body for m in await messages_of(ticket)] == ["Help"]


async def test_a_removed_contacts_reply_is_held(people, redis, catcher, ccd) -> None:
    ticket, contact = ccd
    address = tokens.contact_reply_address(ticket.number, contact.id, settings=get_settings())
    await ccs.set_ticket_ccs(
        actor=people.staff_x.actor, settings=get_settings(), number=ticket.number, addresses=[]
    )
    stored = await deliver(
        mail(sender=CARL, to=address, subject="Re: x", body="Still here."), redis
    )
    assert stored.status is InboundStatus.HELD, stored.reason
    assert "no longer copied" in stored.reason
    assert [m.body for m in await messages_of(ticket)] == ["Help"]
    assert catcher.caught == []  # held mail tells nobody anything


async def test_a_ccd_contact_with_a_client_account_is_treated_as_the_contact(
    people, redis, catcher
) -> None:
    """Bob has a client account of his own and is CC'd on Alice's ticket: his mail about that
    ticket follows the contact's rules (posted when proven, held when not), never the rules of
    his account (refused, or a new ticket of his own); his account still cannot see it."""
    ticket = await new_ticket(people)
    bob = people.client_b.user.email
    await ccs.set_ticket_ccs(
        actor=people.client_a.actor, settings=get_settings(), number=ticket.number, addresses=[bob]
    )
    contact = await Contact.get(email=bob)
    sent = tokens.message_id(ticket.number, "x", contact_id=contact.id, settings=get_settings())
    replied = await deliver(
        mail(
            sender=f"Bob Client <{bob}>",
            to="support@helpdesk.test",
            subject="Re: Printer",
            body="Same here on the third floor.",
            in_reply_to=sent,
        ),
        redis,
    )
    assert replied.status is InboundStatus.PROCESSED, replied.reason
    assert "matched by Message-ID" in replied.reason
    posted = (await messages_of(ticket))[-1]
    assert (posted.body, posted.author_id, posted.author_contact_id) == (
        "Same here on the third floor.",
        None,
        contact.id,
    )

    unproven = await deliver(
        mail(
            sender=bob,
            to="support@helpdesk.test",
            subject=f"Re: [Ticket #{ticket.number}] Printer",
            body="And the fourth.",
            message_id="<m.2@customer.example>",
        ),
        redis,
    )
    assert unproven.status is InboundStatus.HELD, unproven.reason
    assert unproven.ticket_id == ticket.id
    assert await Ticket.all().count() == 1  # no ticket of Bob's own
    assert len(await messages_of(ticket)) == 2

    # A Message-ID we sent to Alice proves nothing for Bob: held, not refused.
    alices = tokens.message_id(ticket.number, "y", people.client_a.id, settings=get_settings())
    other = await deliver(
        mail(
            sender=bob,
            to="support@helpdesk.test",
            subject="Re: Printer",
            body="Pay me.",
            message_id="<m.3@customer.example>",
            in_reply_to=alices,
        ),
        redis,
    )
    assert other.status is InboundStatus.HELD, other.reason
    with pytest.raises(NotFound):
        await get_ticket(actor=people.client_b.actor, number=ticket.number)


async def test_accepting_a_held_mail_of_a_removed_contact_holds_it_again(
    people, redis, catcher, settings, ccd
) -> None:
    ticket, _ = ccd
    forged = mail(
        sender=f"Carl Colleague <{CARL}>",
        to="billing@helpdesk.test",
        subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
        body="Please pay invoice 42 to this new account.",
    )
    held = await deliver(forged, redis)
    assert held.status is InboundStatus.HELD, held.reason
    await ccs.set_ticket_ccs(
        actor=people.client_a.actor, settings=get_settings(), number=ticket.number, addresses=[]
    )
    await run_jobs(settings)
    mailed_before = len(catcher.caught)

    again = await accept_held(actor=people.admin.actor, settings=settings, inbound_id=held.id)
    assert again.status is InboundStatus.HELD, again.reason
    assert again.ticket_id == ticket.id
    assert "copied (CC)" in again.reason
    assert "Ada Admin" in again.reason
    assert not again.reason.startswith("accepted by")
    assert await Ticket.all().count() == 1
    assert not await User.filter(email=CARL).exists()
    assert [m.body for m in await messages_of(ticket)] == ["Help"]
    await run_jobs(settings)
    assert len(catcher.caught) == mailed_before  # no acknowledgement, no notice
    assert (await InboundMail.get(id=held.id)).accepted_by_id is None  # type: ignore[attr-defined]
    # Still held: once Carl is CC'd again, accepting it posts it as Carl.
    await ccs.set_ticket_ccs(
        actor=people.client_a.actor, settings=get_settings(), number=ticket.number, addresses=[CARL]
    )
    posted = await accept_held(actor=people.admin.actor, settings=settings, inbound_id=held.id)
    assert posted.status is InboundStatus.PROCESSED, posted.reason
    assert posted.reason.startswith("accepted by Ada Admin: reply of contact")
    last = (await messages_of(ticket))[-1]
    assert last.author_contact_id == (await Contact.get(email=CARL)).id


async def test_a_removed_contacts_mail_naming_the_ticket_is_held_not_a_new_ticket(
    people, redis, catcher, ccd
) -> None:
    ticket, _ = ccd
    await ccs.set_ticket_ccs(
        actor=people.client_a.actor, settings=get_settings(), number=ticket.number, addresses=[]
    )
    stored = await deliver(
        mail(
            sender=CARL,
            to="support@helpdesk.test",
            subject=f"Re: [Ticket #{ticket.number}] Printer",
            body="Still here.",
        ),
        redis,
    )
    assert stored.status is InboundStatus.HELD, stored.reason
    assert "copied (CC)" in stored.reason
    assert await Ticket.all().count() == 1
    assert not await User.filter(email=CARL).exists()
