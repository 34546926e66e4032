"""What admins see and can do: inbound mail listed by outcome over GraphQL, re-running a
failed or refused message; over-size and malformed mail stored with the error; the sweep that
queues stranded mail; attachments; and a crash between posting and recording."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

from mail.fixtures import plain_reply
from mailin_support import deliver, messages_of, new_ticket, run_jobs

from app.config import get_settings
from app.mail import tokens
from app.mail.inbound.intake import accept
from app.mail.inbound.process import process_inbound
from app.mail.inbound.store import HEAD_BYTES, store_message
from app.models import Attachment, InboundMail, InboundStatus, MessageSource, Ticket, TicketStatus
from app.services.messages import reply_to_ticket
from app.services.tickets import close_ticket, update_ticket
from app.workers.inbound import sweep_received_mail

LIST = """
query($status: InboundMailStatus, $first: Int!, $after: String) {
  inboundMail(status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id status reason sender subject transport attempts ticketNumber } } } }
"""
RERUN = """
mutation($id: ID!) { rerunInboundMail(id: $id) {
  __typename ... on InboundMail { status reason attempts ticketNumber messageId }
  ... on Error { code message } } }
"""
MALFORMED = b"This is not an email at all.\r\nJust some text piped in by mistake.\r\n"


async def test_malformed_mail_is_stored_failed_and_admins_can_rerun_it(gql, world, redis) -> None:
    mail = await deliver(MALFORMED, redis)
    assert mail.status is InboundStatus.FAILED
    assert mail.reason == "malformed message: message has no From address"
    assert bytes((await InboundMail.get(id=mail.id)).raw_bytes) == MALFORMED  # nothing lost

    listed = await gql.data(LIST, {"status": "FAILED", "first": 10}, token=world.admin.token)
    [edge] = listed["inboundMail"]["edges"]
    assert edge["node"]["reason"] == mail.reason
    again = await gql.data(RERUN, {"id": edge["node"]["id"]}, token=world.admin.token)
    assert again["rerunInboundMail"] == {
        "__typename": "InboundMail",
        "status": "FAILED",
        "reason": mail.reason,
        "attempts": 2,
        "ticketNumber": None,
        "messageId": None,
    }


async def test_only_admins_see_or_rerun_inbound_mail(gql, world, redis) -> None:
    mail = await deliver(MALFORMED, redis)
    for person in (world.staff_x, world.client_a):
        body = await gql(LIST, {"first": 10}, token=person.token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
        refused = await gql.data(RERUN, {"id": str(mail.id)}, token=person.token)
        assert refused["rerunInboundMail"]["code"] == "PERMISSION_DENIED"
    assert (await InboundMail.get(id=mail.id)).attempts == 1


async def test_processed_mail_cannot_be_rerun(gql, world, redis) -> None:
    ticket = await new_ticket(world)
    to = tokens.reply_address(ticket.number, world.client_a.id, settings=get_settings())
    mail = await deliver(plain_reply(to, "Thanks"), redis)
    result = await gql.data(RERUN, {"id": str(mail.id)}, token=world.admin.token)
    assert result["rerunInboundMail"]["code"] == "CONFLICT"
    assert len(await messages_of(ticket)) == 2


async def test_refused_reply_posts_after_staff_reopen_and_rerun(
    gql, world, redis, catcher, frozen_clock, settings
) -> None:
    ticket = await new_ticket(world)
    await close_ticket(actor=world.staff_x.actor, number=ticket.number)
    frozen_clock.advance(timedelta(days=settings.reopen_window_days + 5))
    to = tokens.reply_address(ticket.number, world.client_a.id, settings=get_settings())
    mail = await deliver(plain_reply(to, "It is on fire again"), redis)
    assert mail.status is InboundStatus.REFUSED
    await update_ticket(actor=world.staff_x.actor, number=ticket.number, status=TicketStatus.OPEN)
    result = await gql.data(RERUN, {"id": str(mail.id)}, token=world.admin.token)
    assert result["rerunInboundMail"]["status"] == "PROCESSED"
    assert result["rerunInboundMail"]["ticketNumber"] == ticket.number
    assert (await messages_of(ticket))[-1].body == "It is on fire again"
    assert len(catcher.to("alice@example.com")) == 1  # the re-run sent no second notice


async def test_admins_list_inbound_mail_by_outcome_newest_first(gql, world, redis) -> None:
    ticket = await new_ticket(world)
    to = tokens.reply_address(ticket.number, world.client_a.id, settings=get_settings())
    for n in range(3):
        await deliver(plain_reply(to, f"Reply {n}", message_id=f"<r{n}@x>"), redis)
    await deliver(MALFORMED, redis)
    page = await gql.data(LIST, {"status": "PROCESSED", "first": 2}, token=world.admin.token)
    connection = page["inboundMail"]
    assert connection["totalCount"] == 3
    assert [e["node"]["ticketNumber"] for e in connection["edges"]] == [ticket.number] * 2
    assert connection["pageInfo"]["hasNextPage"] is True
    after = connection["pageInfo"]["endCursor"]
    rest = await gql.data(
        LIST, {"status": "PROCESSED", "first": 2, "after": after}, token=world.admin.token
    )
    ids = [e["node"]["id"] for e in connection["edges"] + rest["inboundMail"]["edges"]]
    assert ids == sorted(ids, key=int, reverse=True) and len(ids) == 3
    everything = await gql.data(LIST, {"first": 10}, token=world.admin.token)
    assert everything["inboundMail"]["totalCount"] == 4


async def test_over_size_mail_is_stored_with_the_error(
    people, redis, catcher, settings, monkeypatch
) -> None:
    monkeypatch.setattr(settings, "max_inbound_mail_bytes", 100_000)
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    raw = plain_reply(to, "log line\n" * 20_000)
    mail = await deliver(raw, redis)
    assert mail.status is InboundStatus.FAILED
    assert mail.reason.startswith(f"too large: {len(raw)} bytes, over the limit of 100000")
    stored = await InboundMail.get(id=mail.id)
    assert (stored.size, len(stored.raw_bytes), stored.sender) == (
        len(raw),
        HEAD_BYTES,
        "alice@example.com",
    )
    assert len(await messages_of(ticket)) == 1


async def test_sweep_queues_mail_left_received(
    people, redis, pool, settings, frozen_clock, catcher
) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    stored = await accept(
        plain_reply(to, "Stranded"), transport="pipe", pool=None, settings=get_settings()
    )  # not queued
    assert await sweep_received_mail({"redis": pool}) == 0  # too fresh: its job may be on the way
    frozen_clock.advance(timedelta(minutes=2))
    assert await sweep_received_mail({"redis": pool}) == 1
    await run_jobs(settings)
    assert (await InboundMail.get(id=stored.id)).status is InboundStatus.PROCESSED
    assert (await messages_of(ticket))[-1].body == "Stranded"


async def test_a_retry_after_a_crash_does_not_post_twice(people, redis) -> None:
    """The reply was posted, then the worker died before recording it: the retry finds it."""
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    stored = await store_message(
        plain_reply(to, "Just once please"), transport="smtp", settings=get_settings()
    )
    await reply_to_ticket(
        actor=people.client_a.actor,
        number=ticket.number,
        body="Just once please",
        source=MessageSource.EMAIL,
        settings=get_settings(),
    )
    await InboundMail.filter(id=stored.id).update(attempts=1)  # the interrupted attempt
    mail = await process_inbound(stored.id, redis=redis, settings=get_settings())
    assert mail.status is InboundStatus.PROCESSED
    assert [m.body for m in await messages_of(ticket)] == ["Help", "Just once please"]
    assert mail.message_id == (await messages_of(ticket))[-1].id


def with_attachments(to: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Alice Client <alice@example.com>"
    message["To"] = to
    message["Subject"] = "Re: logs"
    message["Message-ID"] = "<attach.1@example.com>"
    message.set_content("Here is the log you asked for.")
    message.add_attachment(
        b"2024-05-01 ERROR toner\n", maintype="text", subtype="plain", filename="printer.log"
    )
    message.add_attachment(
        b"MZ\x90\x00\x03" + b"\x00" * 200,
        maintype="application",
        subtype="octet-stream",
        filename="fix.exe",
    )
    return message.as_bytes()


async def test_mail_attachments_follow_the_upload_rules(people, redis) -> None:
    ticket = await new_ticket(people)
    to = tokens.reply_address(ticket.number, people.client_a.id, settings=get_settings())
    mail = await deliver(with_attachments(to), redis)
    assert mail.status is InboundStatus.PROCESSED, mail.reason
    posted = (await messages_of(ticket))[-1]
    assert posted.body.startswith("Here is the log you asked for.")
    assert "“fix.exe” was not accepted: it is an executable program." in posted.body
    files = await Attachment.filter(message_id=posted.id)
    assert [(f.filename, f.content_type.split(";")[0]) for f in files] == [
        ("printer.log", "text/plain")
    ]
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CUSTOMER_REPLY
