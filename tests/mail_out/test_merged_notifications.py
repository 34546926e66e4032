"""Messages merged away before their notification job ran are still mailed: as messages of the
ticket they now belong to, to whom the rules name there. Across clients the moved messages are
internal notes on the target: staff may get them, the target's client never does. The job is
run as the worker runs it and the real SMTP server's envelope recipients are checked."""

from __future__ import annotations

from mailout_support import deliver

from app.config import get_settings
from app.infra.clock import now
from app.models import Role, User
from app.services import merge, messages, tickets


async def open_ticket(client, department, subject: str):
    opened = await tickets.open_ticket(
        actor=client.actor,
        department_id=department.id,
        subject=subject,
        body=f"{subject}: first words",
        settings=get_settings(),
    )
    return opened.ticket


async def queue_replies(world, source) -> None:
    """A staff reply and a client reply on ``source``, their mails not sent yet."""
    settings = get_settings()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=source.number,
        body="Staff: try a restart",
        settings=settings,
    )
    await messages.reply_to_ticket(
        actor=world.client_a.actor,
        number=source.number,
        body="Client: still dead",
        settings=settings,
    )


async def test_messages_merged_before_their_mail_are_mailed_on_the_target(
    world, smtp, recorder, job_ctx
):
    target = await open_ticket(world.client_a, world.dept_x, "Printer")
    source = await open_ticket(world.client_a, world.dept_x, "Printer again")
    await deliver(recorder, job_ctx)
    smtp.received.clear()

    await queue_replies(world, source)
    await merge.merge_tickets(actor=world.admin.actor, source=source.number, target=target.number)
    await deliver(recorder, job_ctx)

    assert smtp.recipients() == ["alice@example.com", "xavier@example.com"]
    [to_client] = smtp.to("alice@example.com")
    assert "Staff: try a restart" in to_client.part("plain")
    assert f"[Ticket #{target.number}]" in to_client.header("Subject")
    assert f"/client/tickets/{target.number}" in to_client.part("plain")
    [to_staff] = smtp.to("xavier@example.com")
    assert "Client: still dead" in to_staff.part("plain")
    assert f"[Ticket #{target.number}]" in to_staff.header("Subject")

    # Run again (arq may): nothing is sent twice.
    smtp.received.clear()
    await deliver(recorder, job_ctx)
    assert smtp.received == []


async def test_across_clients_the_targets_client_never_gets_the_moved_messages(
    world, smtp, recorder, job_ctx
):
    colleague = await User.create(
        name="Xena Colleague", email="xena@example.com", role=Role.STAFF, created_at=now()
    )
    await colleague.departments.add(world.dept_x)
    bobs = await open_ticket(world.client_b, world.dept_x, "Bob's printer")
    await tickets.update_ticket(
        actor=world.admin.actor, number=bobs.number, assignee_id=colleague.id
    )
    source = await open_ticket(world.client_a, world.dept_x, "Alice's printer")
    await deliver(recorder, job_ctx)
    smtp.received.clear()

    await queue_replies(world, source)
    await merge.merge_tickets(
        actor=world.admin.actor,
        source=source.number,
        target=bobs.number,
        different_clients=True,
    )
    await deliver(recorder, job_ctx)

    # Both moved messages reach the target's assignee, as internal notes; Bob gets nothing,
    # and neither does Alice (the messages are no longer on a ticket of hers).
    assert smtp.recipients() == ["xena@example.com", "xena@example.com"]
    bodies = sorted(r.part("plain") for r in smtp.received)
    assert "Client: still dead" in bodies[0] and "Staff: try a restart" in bodies[1]
    for mail in smtp.received:
        assert "internal note" in mail.part("plain")
        assert f"/admin/tickets/{bobs.number}" in mail.part("plain")
    assert smtp.to("bob@example.com") == []
