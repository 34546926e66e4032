"""Mail is not proof of who sent it: a message is posted as a user only when it proves it (a
reply address bound to that sender, a Message-ID we sent to that sender, or a passing DMARC
or aligned DKIM result that our own receiving server wrote); anything else that names a ticket
is held for an admin, and nothing is mailed about it."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest
from mailin_support import deliver, messages_of, new_ticket, run_jobs

from app.config import get_settings
from app.mail import tokens
from app.models import AuditEntry, InboundStatus, Ticket, TicketStatus

ALICE, XAVIER = "alice@example.com", "xavier@example.com"
ATTACK = "Please pay the new invoice at https://pay.evil.example today."


def mail(
    *,
    sender: str,
    to: str = "support@helpdesk.test",
    subject: str,
    body: str = ATTACK,
    message_id: str = "<forged.1@evil.example>",
    headers: tuple[tuple[str, str], ...] = (),
    trace: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """A message as a mail client writes it, below ``trace``: the header lines the receiving
    servers put on top of it (Received, Authentication-Results)."""
    message = EmailMessage()
    for name, value in trace:
        message[name] = value
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Tue, 04 Jun 2024 09:30:00 +0000"
    for name, value in headers:
        message[name] = value
    message.set_content(body)
    return bytes(message)


async def test_a_ticket_number_in_the_subject_does_not_post_as_staff(
    gql, world, catcher, settings, redis
) -> None:
    """The attack of issue 10: From a staff member, "[Ticket #N]" in the subject, sent to the
    intake with no reply address. It used to be posted as Xavier and mailed to the client."""
    ticket = await new_ticket(world)
    await run_jobs(settings)  # the acknowledgement of the new ticket goes out first
    mailed_before = len(catcher.caught)
    raw = mail(sender=f"Xavier Staff <{XAVIER}>", subject=f"Re: [Ticket #{ticket.number}] Help")
    held = await deliver(raw, redis)
    await run_jobs(settings)
    assert [m.body for m in await messages_of(ticket)] == ["Help"]  # nothing posted
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.OPEN
    assert not await AuditEntry.filter(ticket_id=ticket.id, actor_id=world.staff_x.id).exists()
    assert len(catcher.caught) == mailed_before  # no mail to the client, no notice to anyone
    assert held.status is InboundStatus.HELD
    assert held.ticket_id == ticket.id
    assert held.reason == (
        f"names ticket #{ticket.number} only by the number in its subject, and nothing proves "
        "it is from xavier@example.com (MAIL_AUTHSERV_ID is not set)"
    )


OURS = "mx.helpdesk.test"
RECEIVED = (
    "from mail.example.com (mail.example.com [192.0.2.10]) by mx.helpdesk.test (Postfix) "
    "with ESMTPS id 4VtQ2j; Tue, 04 Jun 2024 09:30:01 +0000"
)


def vouched(result: str) -> tuple[tuple[str, str], ...]:
    """What our receiving server puts on top: its verdict, then its Received line."""
    return (("Authentication-Results", f"{OURS}; {result}"), ("Received", RECEIVED))


@pytest.fixture
def trusted_server(settings, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(settings, "mail_authserv_id", OURS)
    return OURS


def proof(kind: str, number: int, people) -> dict:  # type: ignore[no-untyped-def]
    """How a mail from Xavier proves it is his, one way each."""
    xavier = people.staff_x.id
    subject = {"subject": f"Re: [Ticket #{number}] Printer is on fire"}
    if kind == "reply address":
        return {
            "to": tokens.reply_address(number, xavier, settings=get_settings()),
            "subject": "Re: Printer",
        }
    if kind == "Message-ID sent to him, in In-Reply-To":
        sent = tokens.message_id(number, "n1", xavier, settings=get_settings())
        return {"subject": "Re: Printer", "headers": (("In-Reply-To", sent), ("References", sent))}
    if kind == "Message-ID sent to him, in References only":
        root, sent = (
            tokens.thread_root_id(number, settings=get_settings()),
            tokens.message_id(number, "n1", xavier, settings=get_settings()),
        )
        return {
            "subject": "Re: Printer",
            "headers": (("In-Reply-To", "<draft.7@example.com>"), ("References", f"{root} {sent}")),
        }
    if kind == "dmarc=pass from our server":
        return {**subject, "trace": vouched("dmarc=pass (p=none) header.from=example.com")}
    if kind == "aligned dkim=pass from our server":
        return {**subject, "trace": vouched("dkim=pass header.d=example.com header.s=s1")}
    raise AssertionError(kind)


PROOFS = [
    "reply address",
    "Message-ID sent to him, in In-Reply-To",
    "Message-ID sent to him, in References only",
    "dmarc=pass from our server",
    "aligned dkim=pass from our server",
]


@pytest.mark.parametrize("kind", PROOFS)
async def test_each_proof_posts_as_its_sender(people, redis, catcher, trusted_server, kind) -> None:
    ticket = await new_ticket(people)
    raw = mail(
        sender=f"Xavier Staff <{XAVIER}>",
        body="On it, new toner ordered.",
        **proof(kind, ticket.number, people),
    )
    posted = await deliver(raw, redis)
    assert posted.status is InboundStatus.PROCESSED, posted.reason
    last = (await messages_of(ticket))[-1]
    assert (last.body, last.author_id) == ("On it, new toner ordered.", people.staff_x.id)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.ANSWERED


def forgery(kind: str, number: int, people) -> dict:  # type: ignore[no-untyped-def]
    """A mail in Xavier's name that names the ticket and proves nothing, one way each."""
    subject = f"Re: [Ticket #{number}] Printer is on fire"
    if kind == "Message-ID sent to Alice":
        sent = tokens.message_id(number, "n1", people.client_a.id, settings=get_settings())
        return {"subject": "Re: Printer", "headers": (("In-Reply-To", sent),)}
    if kind == "the thread's root Message-ID":
        return {
            "subject": "Re: Printer",
            "headers": (("In-Reply-To", tokens.thread_root_id(number, settings=get_settings())),),
        }
    if kind == "dmarc=pass from another server":
        pass_ = "mx.evil.example; dmarc=pass header.from=example.com"
        return {"subject": subject, "trace": (("Authentication-Results", pass_),)}
    if kind == "dkim=pass for another domain":
        return {"subject": subject, "trace": vouched("dkim=pass header.d=evil.example; dmarc=none")}
    if kind == "dmarc=fail from our server":
        return {"subject": subject, "trace": vouched("dmarc=fail header.from=example.com")}
    if kind == "our id written below our server's real header":
        forged = ("Authentication-Results", f"{OURS}; dmarc=pass header.from=example.com")
        return {
            "subject": subject,
            "trace": vouched("dmarc=none header.from=example.com"),
            "headers": (forged,),
        }
    raise AssertionError(kind)


FORGERIES = [
    "Message-ID sent to Alice",
    "the thread's root Message-ID",
    "dmarc=pass from another server",
    "dkim=pass for another domain",
    "dmarc=fail from our server",
    "our id written below our server's real header",
]


@pytest.mark.parametrize("kind", FORGERIES)
async def test_each_forgery_is_held_and_nobody_is_mailed(
    people, redis, catcher, trusted_server, kind
) -> None:
    ticket = await new_ticket(people)
    raw = mail(sender=f"Xavier Staff <{XAVIER}>", **forgery(kind, ticket.number, people))
    held = await deliver(raw, redis)
    assert (held.status, held.ticket_id) == (InboundStatus.HELD, ticket.id), held.reason
    assert "nothing proves it is from xavier@example.com" in held.reason
    assert [m.body for m in await messages_of(ticket)] == ["Help"]
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.OPEN
    assert catcher.caught == []


async def test_without_mail_authserv_id_no_header_counts(people, redis, catcher) -> None:
    ticket = await new_ticket(people)
    raw = mail(
        sender=XAVIER,
        subject=f"Re: [Ticket #{ticket.number}] Printer is on fire",
        trace=vouched("dmarc=pass header.from=example.com"),
    )
    held = await deliver(raw, redis)
    assert held.status is InboundStatus.HELD
    assert held.reason.endswith("(MAIL_AUTHSERV_ID is not set)")


async def test_a_header_inside_an_attached_message_is_not_ours(
    people, redis, catcher, trusted_server
) -> None:
    ticket = await new_ticket(people)
    inner = EmailMessage()
    inner["Authentication-Results"] = f"{OURS}; dmarc=pass header.from=example.com"
    inner["From"] = XAVIER
    inner["Subject"] = "forwarded"
    inner.set_content("An old mail of Xavier's.")
    outer = EmailMessage()
    outer["From"] = f"Xavier Staff <{XAVIER}>"
    outer["To"] = "support@helpdesk.test"
    outer["Subject"] = f"Fwd: [Ticket #{ticket.number}] Printer is on fire"
    outer["Message-ID"] = "<fwd.1@evil.example>"
    outer.set_content(ATTACK)
    outer.add_attachment(inner)
    held = await deliver(bytes(outer), redis)
    assert held.status is InboundStatus.HELD
    assert held.reason.endswith(f"(no Authentication-Results from {OURS})")


@pytest.mark.parametrize("role", ["admin", "staff"])
async def test_a_new_ticket_in_the_name_of_staff_is_held(people, redis, catcher, role) -> None:
    sender = {"admin": "admin@example.com", "staff": XAVIER}[role]
    raw = mail(sender=sender, to="billing@helpdesk.test", subject="Urgent: wire transfer")
    held = await deliver(raw, redis)
    assert held.status is InboundStatus.HELD
    assert held.reason.startswith(f"opens a ticket in Billing in the name of {role} ")
    assert await Ticket.all().count() == 0
    assert catcher.caught == []


async def test_a_proven_staff_member_still_cannot_open_a_ticket_by_mail(
    people, redis, catcher, trusted_server
) -> None:
    raw = mail(
        sender=XAVIER,
        to="billing@helpdesk.test",
        subject="Printer",
        trace=vouched("dmarc=pass header.from=example.com"),
    )
    refused = await deliver(raw, redis)
    assert (refused.status, refused.reason) == (
        InboundStatus.REFUSED,
        "staff cannot open a ticket by email",
    )
    assert await Ticket.all().count() == 0


async def test_a_client_still_opens_a_ticket_by_mail_without_proof(people, redis, catcher) -> None:
    raw = mail(sender=ALICE, to="billing@helpdesk.test", subject="Invoice", body="Please send it.")
    opened = await deliver(raw, redis)
    assert opened.status is InboundStatus.PROCESSED, opened.reason
    ticket = await Ticket.get(id=opened.ticket_id)
    assert (ticket.client_id, ticket.subject) == (people.client_a.id, "Invoice")


# --- no backscatter -------------------------------------------------------------------------

VICTIM = "victim@elsewhere.example"
SPAM = "Cheap pills at https://pills.evil.example"


def forged_reply_address(number: int, user_id: int) -> str:
    return f"reply+{number}.{user_id}.{'a' * tokens.MAC_CHARS}@helpdesk.test"


@pytest.mark.parametrize(
    "how", ["forged reply address", "someone else's reply address", "our Message-ID"]
)
async def test_a_refused_mail_from_a_stranger_mails_nobody(people, redis, catcher, how) -> None:
    ticket = await new_ticket(people)
    fields: dict = {
        "forged reply address": {"to": forged_reply_address(ticket.number, people.client_a.id)},
        "someone else's reply address": {
            "to": tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
        },
        "our Message-ID": {
            "headers": (
                (
                    "In-Reply-To",
                    tokens.message_id(
                        ticket.number, "n1", people.client_a.id, settings=get_settings()
                    ),
                ),
            )
        },
    }[how]
    refused = await deliver(mail(sender=VICTIM, subject=SPAM, body=SPAM, **fields), redis)
    assert refused.status is InboundStatus.REFUSED
    assert [m.body for m in await messages_of(ticket)] == ["Help"]
    assert catcher.caught == []  # neither the forged From nor the token's owner is mailed


async def test_a_notice_goes_to_a_user_once_a_day_and_never_quotes_the_mail(
    people, redis, catcher, frozen_clock
) -> None:
    ticket = await new_ticket(people)
    to = forged_reply_address(ticket.number, people.client_a.id)
    for n in range(3):
        raw = mail(sender=ALICE, to=to, subject=SPAM, body=SPAM, message_id=f"<s{n}@evil.example>")
        assert (await deliver(raw, redis)).status is InboundStatus.REFUSED
    [notice] = await catcher.wait_for(ALICE)
    text = notice.text()
    assert "not valid" in text
    assert "pills" not in text and "pills" not in str(notice.message["Subject"])
    assert notice.message["Subject"] == "Your message could not be added to a ticket"
    frozen_clock.advance(timedelta(hours=23, minutes=59))
    raw = mail(sender=ALICE, to=to, subject=SPAM, message_id="<s3@evil.example>")
    await deliver(raw, redis)
    assert len(catcher.to(ALICE)) == 1
    frozen_clock.advance(timedelta(minutes=2))
    raw = mail(sender=ALICE, to=to, subject=SPAM, message_id="<s4@evil.example>")
    await deliver(raw, redis)
    assert len(await catcher.wait_for(ALICE, count=2)) == 2
    assert len(catcher.caught) == 2
