"""CC and followers, mailed: each change through the services, the notification job run as
the worker runs it, and what the real SMTP server received checked — who got what, with which
reply address."""

from __future__ import annotations

from mailout_support import deliver

from app.auth.actor import actor_for
from app.config import get_settings
from app.infra.clock import now
from app.mail import tokens
from app.models import Contact, Role, User
from app.services import ccs, messages, tickets

CARL = "carl@customer.example"
DORA = "dora@customer.example"


async def open_with_ccs(world, *addresses: str):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer on fire",
        body="It is on fire.",
        settings=get_settings(),
        ccs=list(addresses),
    )
    return opened.ticket


async def test_a_ccd_address_gets_the_acknowledgement_and_public_replies_with_its_own_token(
    world, smtp, recorder, job_ctx
):
    ticket = await open_with_ccs(world, f"Carl Colleague <{CARL}>")
    await deliver(recorder, job_ctx)
    assert sorted(smtp.recipients()) == sorted(["alice@example.com", "xavier@example.com", CARL])
    ack = smtp.to(CARL)[0]
    assert "Alice Client opened ticket" in ack.part("plain")
    assert "copied (CC)" in ack.part("plain")

    smtp.received.clear()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="On it", settings=get_settings()
    )
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=ticket.number, body="secret", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    # The public reply reaches the client and Carl; the note nobody here (no assignee).
    assert sorted(smtp.recipients()) == sorted(["alice@example.com", CARL])
    to_carl = smtp.to(CARL)
    assert len(to_carl) == 1
    assert "On it" in to_carl[0].part("plain")
    assert "secret" not in to_carl[0].part("plain")
    contact = await Contact.get(email=CARL)
    settings = job_ctx["settings"]
    reply_to = to_carl[0].header("Reply-To")
    parsed = tokens.parse_reply_address(reply_to, settings=settings)
    assert parsed is not None
    assert (parsed.ticket_number, parsed.contact_id, parsed.user_id) == (
        ticket.number,
        contact.id,
        None,
    )
    assert reply_to != smtp.to("alice@example.com")[0].header("Reply-To")
    signed = tokens.parse_signed_message_id(to_carl[0].header("Message-ID"), settings=settings)
    assert signed is not None and signed.contact_id == contact.id


async def test_a_ccd_address_never_gets_internal_notes_even_as_assignee_mail(
    world, smtp, recorder, job_ctx
):
    ticket = await open_with_ccs(world, CARL)
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=world.staff_x.id
    )
    await recorder.take()
    await messages.add_internal_note(
        actor=world.admin.actor, number=ticket.number, body="secret", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["xavier@example.com"]


async def test_removed_ccs_get_nothing_more(world, smtp, recorder, job_ctx):
    ticket = await open_with_ccs(world, CARL, DORA)
    await ccs.set_ticket_ccs(
        actor=world.client_a.actor, settings=get_settings(), number=ticket.number, addresses=[DORA]
    )
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="Fixed", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert sorted(smtp.recipients()) == sorted(["alice@example.com", DORA])


async def test_a_client_reply_reaches_the_ccs_and_a_contacts_reply_the_client(
    world, smtp, recorder, job_ctx
):
    ticket = await open_with_ccs(world, f"Carl Colleague <{CARL}>", DORA)
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Any news?", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert sorted(smtp.recipients()) == sorted(["xavier@example.com", CARL, DORA])
    smtp.received.clear()
    carl = await Contact.get(email=CARL)
    await User.filter(id=world.client_a.id).update(language="de")
    await messages.reply_as_contact(
        contact=carl, settings=get_settings(), ticket=ticket, body="Me too."
    )
    await deliver(recorder, job_ctx)
    # Staff, the client and the other CC; never Carl himself.
    assert sorted(smtp.recipients()) == sorted(["alice@example.com", "xavier@example.com", DORA])
    staff_mail = smtp.to("xavier@example.com")[0]
    label = "Carl Colleague <carl@customer.example> (contact of Alice Client)"
    assert f"{label} replied" in staff_mail.part("plain")
    # The From display name names the contact without an address (which reads as spoofing).
    assert staff_mail.message["From"].addresses[0].display_name == (
        "Carl Colleague (contact of Alice Client)"
    )
    # The client reads German: the words around the names are hers.
    client_mail = smtp.to("alice@example.com")[0]
    german = "Carl Colleague <carl@customer.example> (Kontakt von Alice Client) hat auf Ticket"
    assert german in " ".join(client_mail.part("plain").split())
    assert client_mail.message["From"].addresses[0].display_name == (
        "Carl Colleague (Kontakt von Alice Client)"
    )
    # Her colleagues, who have no account, read her language too.
    assert german in " ".join(smtp.to(DORA)[0].part("plain").split())


async def test_a_follower_gets_notes_and_replies_until_they_lose_access(
    world, smtp, recorder, job_ctx
):
    xena = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await xena.departments.add(world.dept_x)
    xena_actor = await actor_for(xena)
    ticket = await open_with_ccs(world, CARL)
    # Assigned to Xavier: without following, Xena would hear nothing more of it.
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=world.staff_x.id
    )
    await ccs.set_following(actor=xena_actor, number=ticket.number, following=True)
    await recorder.take()
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=ticket.number, body="secret", settings=get_settings()
    )
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Hello?", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    to_xena = smtp.to("xena@example.com")
    assert len(to_xena) == 2
    assert "secret" in to_xena[0].part("plain")
    assert "internal note" in to_xena[0].part("plain")
    assert "/admin/tickets/" in to_xena[0].part("plain")
    assert "Hello?" in to_xena[1].part("plain")
    # The footer says why she gets it (not "as staff of Support": she is not assigned).
    assert "because you follow this ticket" in to_xena[1].part("plain")
    assert "as staff of" not in to_xena[1].part("plain")
    assert "secret" not in "".join(m.part("plain") for m in smtp.to(CARL))

    # Xena leaves Support: the next note is not mailed to her (checked at delivery).
    smtp.received.clear()
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=ticket.number, body="second", settings=get_settings()
    )
    await xena.departments.remove(world.dept_x)
    await deliver(recorder, job_ctx)
    assert smtp.to("xena@example.com") == []
