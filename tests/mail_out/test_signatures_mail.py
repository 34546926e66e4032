"""A staff member's signature reaches the client's mail at the real SMTP sink, after the
usual "-- " line, in both parts; an internal note's mail carries none."""

from __future__ import annotations

from mailout_support import deliver

from app.config import get_settings
from app.models import User
from app.services import messages, profile, tickets


async def test_the_reply_mail_carries_the_signature(world, smtp, recorder, job_ctx):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer on fire",
        body="It is on fire.",
        settings=get_settings(),
    )
    await profile.update_profile(actor=world.staff_x.actor, signature="Sam Staff\nSupport desk")
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=opened.ticket.number,
        body="Try turning it off.",
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    [mail] = await smtp.wait_for(1)
    assert mail.header("To").endswith(f"<{world.client_a.user.email}>")
    plain = mail.part("plain")
    assert "Try turning it off.\n\n-- \nSam Staff\nSupport desk" in plain.replace("\r\n", "\n")
    html = mail.part("html")
    assert "Sam Staff" in html and "Support desk" in html
    # A later change of the profile does not rewrite what was sent: the message keeps it.
    await User.filter(id=world.staff_x.id).update(signature="Changed")
    sent = await messages.list_messages(actor=world.staff_x.actor, ticket=opened.ticket)
    assert sent[0][-1].signature == "Sam Staff\nSupport desk"


async def test_a_note_mail_carries_no_signature(world, smtp, recorder, job_ctx):
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Printer on fire",
        body="It is on fire.",
        settings=get_settings(),
    )
    await tickets.update_ticket(
        actor=world.admin.actor, number=opened.ticket.number, assignee_id=world.staff_x.id
    )
    await profile.update_profile(actor=world.admin.actor, signature="Ada Admin")
    await recorder.take()
    await messages.add_internal_note(
        actor=world.admin.actor,
        number=opened.ticket.number,
        body="Check the toner.",
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    [mail] = await smtp.wait_for(1)
    assert "Check the toner." in mail.part("plain")
    assert "Ada Admin" not in mail.part("plain").split("Check the toner.")[1]
    # The only "-- " line is the mail's own footer.
    assert mail.part("plain").replace("\r\n", "\n").count("\n-- \n") == 1
