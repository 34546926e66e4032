"""What each mail looks like on the wire: subject, parts, marker, links, tokens, threading."""

from __future__ import annotations

import re
from email.utils import getaddresses

from mailout_support import deliver

from app.config import get_settings
from app.infra.clock import now
from app.mail.tokens import parse_message_id, parse_reply_address
from app.mail.trimming import REPLY_MARKER, trim_reply
from app.models import Attachment, Message
from app.services import messages, tickets


async def open_ticket(client, department, subject="Printer on fire", body="It is on fire."):
    opened = await tickets.open_ticket(
        actor=client.actor,
        department_id=department.id,
        subject=subject,
        body=body,
        settings=get_settings(),
    )
    return opened.ticket


def address_of(header: str) -> str:
    return getaddresses([header])[0][1]


async def test_every_mail_has_the_headers_mail_clients_and_the_inbound_side_need(
    world, smtp, recorder, job_ctx, settings
):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=ticket.number,
        body="Try turning it off.",
        settings=get_settings(),
    )
    await deliver(recorder, job_ctx)
    mails = await smtp.wait_for(3)

    for mail in mails:
        assert mail.header("Subject") == f"[Ticket #{ticket.number}] Printer on fire"
        assert mail.header("Auto-Submitted") == "auto-generated"
        assert mail.header("X-Auto-Response-Suppress") == "All"
        assert address_of(mail.header("From")) == settings.sender_address
        assert mail.mail_from == settings.sender_address
        assert mail.message.get_content_type() == "multipart/alternative"
        assert REPLY_MARKER in mail.part("plain")
        assert "reply above this line" in mail.part("html")
        # The reply address binds this ticket to exactly this recipient.
        token = parse_reply_address(mail.header("Reply-To"), settings=get_settings())
        assert token is not None
        assert token.ticket_number == ticket.number
        recipient = address_of(mail.header("To"))
        assert mail.rcpt_tos == [recipient]
        user_id = {"alice@example.com": world.client_a.id, "xavier@example.com": world.staff_x.id}
        assert token.user_id == user_id[recipient]
        assert mail.header("Reply-To").endswith("@helpdesk.test")
        # The Message-ID is signed too, and the thread headers tie the ticket's mails together.
        assert parse_message_id(mail.header("Message-ID"), settings=get_settings()) == ticket.number

    message_ids = {m.header("Message-ID") for m in mails}
    assert len(message_ids) == 3
    roots = {m.header("In-Reply-To") for m in mails} | {m.header("References") for m in mails}
    assert len(roots) == 1
    root = roots.pop()
    assert parse_message_id(root, settings=get_settings()) == ticket.number
    assert root not in message_ids


async def test_a_token_never_validates_for_another_recipient_or_ticket(
    world, smtp, recorder, job_ctx
):
    first = await open_ticket(world.client_a, world.dept_x)
    second = await open_ticket(world.client_a, world.dept_x, subject="Another")
    await deliver(recorder, job_ctx)
    mails = await smtp.wait_for(4)
    addresses = [m.header("Reply-To") for m in mails]
    assert len(set(addresses)) == 4

    pattern = re.compile(r"^reply\+(\d+)\.(\d+)\.([a-z2-7]+)@(.+)$")
    parsed = [pattern.match(a) for a in addresses]
    assert all(parsed)
    for a in parsed:
        for b in parsed:
            assert a and b
            if a.group(0) == b.group(0):
                continue
            # b's MAC on a's ticket and recipient: refused.
            forged = f"reply+{a.group(1)}.{a.group(2)}.{b.group(3)}@{a.group(4)}"
            assert parse_reply_address(forged, settings=get_settings()) is None
        number, user = int(a.group(1)), int(a.group(2))
        assert number in (first.number, second.number)
        other_user = world.client_b.id
        assert (
            parse_reply_address(
                a.group(0).replace(f".{user}.", f".{other_user}.", 1), settings=get_settings()
            )
            is None
        )
        other_number = second.number if number == first.number else first.number
        swapped = a.group(0).replace(f"reply+{number}.", f"reply+{other_number}.", 1)
        assert parse_reply_address(swapped, settings=get_settings()) is None

    mid = mails[0].header("Message-ID")
    number = parse_message_id(mid, settings=get_settings())
    assert number is not None
    other = second.number if number == first.number else first.number
    assert (
        parse_message_id(
            mid.replace(f"ticket-{number}.", f"ticket-{other}.", 1), settings=get_settings()
        )
        is None
    )


async def test_html_is_escaped_and_the_text_survives_a_reply_trim(world, smtp, recorder, job_ctx):
    evil = '<script>alert("x")</script> & <b>bold</b>'
    ticket = await open_ticket(world.client_a, world.dept_x, subject="<img src=x onerror=1>")
    await recorder.take()
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=ticket.number, body=evil, settings=get_settings()
    )
    await deliver(recorder, job_ctx)
    mail = (await smtp.wait_for(1))[0]

    html = mail.part("html")
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' in html
    assert mail.header("Subject") == f"[Ticket #{ticket.number}] <img src=x onerror=1>"
    assert evil in mail.part("plain")

    # A client answering above the marker: the inbound trimmer keeps only the answer.
    quoted = "\n".join("> " + line for line in mail.part("plain").splitlines())
    answer = "Thanks, that fixed it.\n\n" + REPLY_MARKER + "\n" + quoted
    assert trim_reply(answer) == "Thanks, that fixed it."


async def test_attachments_are_listed_with_their_links(world, smtp, recorder, job_ctx, settings):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await recorder.take()
    posted = await messages.reply_to_ticket(
        actor=world.staff_x.actor,
        number=ticket.number,
        body="See the manual.",
        settings=get_settings(),
    )
    message: Message = posted.message
    await Attachment.create(
        public_id="abc123def456",
        message=message,
        filename="manual v2.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="0" * 64,
        created_at=now(),
    )
    await deliver(recorder, job_ctx)
    mail = (await smtp.wait_for(1))[0]
    link = f"{settings.public_url}/attachments/abc123def456/manual%20v2.pdf"
    assert f"manual v2.pdf (2.0 KB): {link}" in mail.part("plain")
    assert f'<a href="{link}">manual v2.pdf</a>' in mail.part("html")


async def test_subject_with_line_breaks_cannot_inject_headers(world, smtp, recorder, job_ctx):
    ticket = await open_ticket(world.client_a, world.dept_x)
    await tickets.Ticket.filter(id=ticket.id).update(subject="Hi\r\nBcc: victim@example.com")
    await deliver(recorder, job_ctx)
    mails = await smtp.wait_for(2)
    for mail in mails:
        assert mail.header("Bcc") == ""
        assert mail.header("Subject") == f"[Ticket #{ticket.number}] Hi Bcc: victim@example.com"
    assert "victim@example.com" not in smtp.recipients()
