"""Mail replies to a merged ticket's notifications: the reply address (and the signed
Message-ID) name the source, and the reply lands on the ticket it was merged into; for a
merge across clients, the source's client is refused with a notice and nothing is posted."""

from __future__ import annotations

from mail.fixtures import gmail_reply
from mailin_support import deliver, run_jobs

from app.models import InboundStatus, Message, Ticket, TicketStatus
from app.services import merge
from app.services.tickets import open_ticket

ALICE = "alice@example.com"


async def _other_ticket(world, client, subject: str, settings) -> Ticket:
    opened = await open_ticket(
        actor=client.actor,
        department_id=world.dept_x.id,
        subject=subject,
        body="The original report",
        settings=settings,
    )
    return opened.ticket


async def test_a_reply_to_the_source_notification_lands_on_the_target(
    thread, world, redis, catcher, settings
) -> None:
    target = await _other_ticket(world, world.client_a, "Printer (first report)", settings)
    await merge.merge_tickets(actor=world.staff_x.actor, source=thread.number, target=target.number)
    raw = gmail_reply(
        thread.reply_to,
        "Still jammed after the restart.",
        quoted=thread.quoted,
        in_reply_to=thread.message_id,
        subject=f"Re: {thread.subject}",
    )
    mail = await deliver(raw, redis)
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    assert f"reply on ticket #{target.number}" in mail.reason
    posted = await Message.filter(ticket_id=target.id).order_by("-id").first()
    assert (posted.body, posted.author_id, posted.internal) == (
        "Still jammed after the restart.",
        world.client_a.id,
        False,
    )
    assert (await Ticket.get(id=target.id)).status is TicketStatus.CUSTOMER_REPLY
    source = await Ticket.get(number=thread.number)
    assert source.status is TicketStatus.CLOSED  # the source stays closed
    assert await Message.filter(ticket_id=source.id).count() == 1  # only "merged into"
    # Staff are told of the reply on the target, as for any client reply.
    await run_jobs(settings)
    to_staff = await catcher.wait_for("xavier@example.com")
    assert any(
        "Still jammed" in m.text() and f"#{target.number}" in m.message["Subject"] for m in to_staff
    )


async def test_after_a_merge_across_clients_the_source_client_is_refused(
    thread, world, redis, catcher, settings
) -> None:
    bobs = await _other_ticket(world, world.client_b, "Bob's printer", settings)
    await merge.merge_tickets(
        actor=world.staff_x.actor,
        source=thread.number,
        target=bobs.number,
        different_clients=True,
    )
    before = await Message.filter(ticket_id=bobs.id).count()
    already = len(catcher.to(ALICE))
    raw = gmail_reply(
        thread.reply_to,
        "Any news?",
        quoted=thread.quoted,
        in_reply_to=thread.message_id,
        subject=f"Re: {thread.subject}",
    )
    mail = await deliver(raw, redis)
    assert mail.status is InboundStatus.REFUSED
    assert "merged" in mail.reason
    assert await Message.filter(ticket_id=bobs.id).count() == before
    assert not await Message.filter(body__contains="Any news?").exists()
    notices = await catcher.wait_for(ALICE, already + 1)
    notice = notices[-1].text()
    assert "merged into another conversation" in notice
    assert f"#{bobs.number}" not in notice and "Bob" not in notice
