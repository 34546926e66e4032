"""Who is mailed about what: each change through the services, the job run as the worker runs
it, and the real SMTP server's envelope recipients checked."""

from __future__ import annotations

from mailout_support import deliver

from app.auth.actor import actor_for
from app.config import get_settings
from app.infra.clock import now
from app.models import Role, User
from app.services import directory, messages, tickets


async def open_ticket(client, department, subject="Printer on fire", body="It is on fire."):
    opened = await tickets.open_ticket(
        actor=client.actor,
        department_id=department.id,
        subject=subject,
        body=body,
        settings=get_settings(),
    )
    return opened.ticket


async def test_new_ticket_mails_the_client_and_the_departments_staff(
    world, smtp, recorder, job_ctx
):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await deliver(recorder, job_ctx)

    assert smtp.recipients() == ["alice@example.com", "xavier@example.com"]
    ack = smtp.to("alice@example.com")[0]
    assert ack.header("Subject") == f"[Ticket #{ticket.number}] Printer on fire"
    assert f"#{ticket.number}" in ack.part("plain")
    assert "/client/tickets/" in ack.part("plain")
    staff_mail = smtp.to("xavier@example.com")[0]
    assert f"/admin/tickets/{ticket.number}" in staff_mail.part("plain")
    assert "It is on fire." in staff_mail.part("plain")


async def test_new_ticket_opened_by_staff_skips_its_author(world, smtp, recorder, job_ctx):
    colleague = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await colleague.departments.add(world.dept_x)
    await tickets.open_ticket(
        actor=world.staff_x.actor,
        department_id=world.dept_x.id,
        subject="Phoned in",
        body="Client called about the VPN.",
        client_id=world.client_a.id,
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["alice@example.com", "xena@example.com"]


async def test_staff_reply_mails_only_the_client(world, smtp, recorder, job_ctx):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="On it", settings=get_settings()
    )
    await deliver(recorder, job_ctx)

    assert smtp.recipients() == ["alice@example.com"]
    mail = smtp.received[0]
    assert "On it" in mail.part("plain")
    assert "Xavier Staff replied" in mail.part("plain")


async def test_client_reply_mails_the_departments_staff_then_only_the_assignee(
    world, smtp, recorder, job_ctx
):
    colleague = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await colleague.departments.add(world.dept_x)
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()

    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Any news?", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["xavier@example.com", "xena@example.com"]

    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=colleague.id
    )
    await recorder.take()  # the assignment mail is tested on its own
    smtp.received.clear()
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Hello?", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["xena@example.com"]


async def test_internal_note_goes_to_the_assignee_only_never_the_client(
    world, smtp, recorder, job_ctx
):
    colleague = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await colleague.departments.add(world.dept_x)
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()

    # Unassigned: a note mails nobody.
    await messages.add_internal_note(
        actor=world.staff_x.actor, number=ticket.number, body="Hmm", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert smtp.received == []

    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=colleague.id
    )
    await recorder.take()
    await messages.add_internal_note(
        actor=world.staff_x.actor,
        number=ticket.number,
        body="Client is a VIP, be nice",
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["xena@example.com"]
    assert "internal note" in smtp.received[0].part("plain")
    assert "Client is a VIP" in smtp.received[0].part("plain")

    # The assignee writing a note mails nobody (not themselves, not the client).
    smtp.received.clear()
    await messages.add_internal_note(
        actor=await actor_for(colleague), number=ticket.number, body="ok", settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    assert smtp.received == []


async def test_closing_mails_the_client_unless_the_client_closed_it(world, smtp, recorder, job_ctx):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["alice@example.com"]
    assert "closed by Xavier Staff" in smtp.received[0].part("plain")

    other = await open_ticket(world.client_a, world.dept_x, subject="Second")
    await recorder.take()
    smtp.received.clear()
    await tickets.close_ticket(actor=world.client_a.actor, number=other.number)
    await deliver(recorder, job_ctx)
    assert smtp.received == []


async def test_assignment_mails_the_new_assignee_unless_they_took_it(
    world, smtp, recorder, job_ctx
):
    colleague = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await colleague.departments.add(world.dept_x)
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()

    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=colleague.id
    )
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["xena@example.com"]
    assert "assigned to you by Xavier Staff" in smtp.received[0].part("plain")

    smtp.received.clear()
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=ticket.number, assignee_id=world.staff_x.id
    )
    await deliver(recorder, job_ctx)
    assert smtp.received == []


async def test_inactive_staff_are_skipped_and_an_unstaffed_department_reaches_admins(
    world, smtp, recorder, job_ctx
):
    await directory.update_user(actor=world.admin.actor, user_id=world.staff_x.id, active=False)
    await open_ticket(world.client_a, world.dept_x)
    await deliver(recorder, job_ctx)
    assert smtp.recipients() == ["admin@example.com", "alice@example.com"]


async def test_nobody_outside_the_ticket_is_mailed(world, smtp, recorder, job_ctx):
    """Staff of another department, other clients and admins never get department mail."""
    ticket = await open_ticket(world.client_a, world.dept_x)
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body="Hi", settings=get_settings()
    )
    await messages.reply_to_ticket(
        actor=world.client_a.actor, number=ticket.number, body="Yo", settings=get_settings()
    )
    await tickets.close_ticket(actor=world.staff_x.actor, number=ticket.number)
    await deliver(recorder, job_ctx)
    everyone = set(smtp.recipients())
    assert everyone == {"alice@example.com", "xavier@example.com"}


async def test_the_policy_is_asked_when_the_mail_is_built(world, smtp, recorder, job_ctx):
    """The ticket moved to Billing before the job ran: Support's staff get nothing."""
    ticket = await open_ticket(world.client_a, world.dept_x)
    await tickets.update_ticket(
        actor=world.admin.actor, number=ticket.number, department_id=world.dept_y.id
    )
    await deliver(recorder, job_ctx)
    assert "xavier@example.com" not in smtp.recipients()
    assert smtp.recipients() == ["alice@example.com", "yolanda@example.com"]
