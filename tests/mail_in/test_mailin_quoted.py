"""Replies from real clients end to end: a reply holding nothing but quoted history (and a
signature) adds nothing to the ticket and says so in the inbound mail list; an Outlook HTML
reply whose history starts after an <hr> adds only the new text."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from mailin_support import deliver, messages_of, new_ticket, run_jobs

from app.config import Settings, get_settings
from app.mail import tokens
from app.mail.inbound.process import QUOTE_ONLY
from app.models import InboundStatus, Ticket, TicketStatus

CORPUS = Path(__file__).resolve().parents[1] / "mail" / "replies"
LIST = """
query($status: InboundMailStatus, $first: Int!) {
  inboundMail(status: $status, first: $first) {
    edges { node { status reason sender ticketNumber messageId } } } }
"""


def corpus_mail(name: str, to: str) -> bytes:
    """A corpus message as its client sent it, addressed to the given reply address."""
    message = message_from_bytes((CORPUS / f"{name}.eml").read_bytes(), policy=default_policy)
    message.replace_header("To", to)
    message.replace_header("From", "Alice Client <alice@example.com>")
    return bytes(message)


async def quiet_ticket(world, settings: Settings, catcher) -> tuple[Ticket, str]:  # type: ignore[no-untyped-def]
    """A ticket of client A, its opening notification already sent and forgotten."""
    ticket = await new_ticket(world)
    await run_jobs(settings)
    catcher.caught.clear()
    return ticket, tokens.reply_address(ticket.number, world.client_a.id, settings=get_settings())


@pytest.mark.parametrize(
    "name",
    [
        "quote-only-gmail",
        "quote-only-signature",
        "quote-only-iphone",
        "quote-only-outlook-html",
        "quote-only-outlook-web-signature",
        "quote-only-outlook-plain",
        "quote-only-apple-html",
    ],
)
async def test_quote_only_reply_adds_nothing_and_says_why(
    gql, world, redis, catcher, settings: Settings, name: str
) -> None:
    ticket, to = await quiet_ticket(world, settings, catcher)
    before = await Ticket.get(id=ticket.id)

    mail = await deliver(corpus_mail(name, to), redis)
    await run_jobs(settings)

    assert (mail.status, mail.reason) == (InboundStatus.IGNORED, QUOTE_ONLY)
    assert len(await messages_of(ticket)) == 1  # only the opening message
    after = await Ticket.get(id=ticket.id)
    assert after.status is TicketStatus.OPEN
    assert (after.version, after.last_activity_at) == (before.version, before.last_activity_at)
    assert catcher.caught == []  # no notification to staff, no notice to the sender
    listed = await gql.data(LIST, {"status": "IGNORED", "first": 10}, token=world.admin.token)
    [edge] = listed["inboundMail"]["edges"]
    assert edge["node"] == {
        "status": "IGNORED",
        "reason": "nothing new: the reply holds only quoted history",
        "sender": "alice@example.com",
        "ticketNumber": None,
        "messageId": None,
    }


async def test_quote_only_reply_with_an_attachment_posts_the_attachment(
    world, redis, catcher, settings: Settings
) -> None:
    ticket, to = await quiet_ticket(world, settings, catcher)
    message = message_from_bytes(corpus_mail("quote-only-gmail", to), policy=default_policy)
    message.add_attachment(b"log line\n", maintype="text", subtype="plain", filename="log.txt")

    mail = await deliver(bytes(message), redis)

    assert mail.status is InboundStatus.PROCESSED, mail.reason
    posted = (await messages_of(ticket))[-1]
    assert posted.body == "(attachments only)"
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CUSTOMER_REPLY


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("outlook-web-hr-html-de", "Danke, der Drucker läuft wieder.\n\nGrüße\n\nAlice"),
        ("hotmail-hr-html-en", "Fixed it myself, thanks anyway."),
        ("outlook-desktop-html-ru", "Спасибо, принтер снова работает.\n\nС уважением,\n\nАлиса"),  # noqa: RUF001
    ],
)
async def test_outlook_html_reply_adds_only_the_new_text(
    world, redis, catcher, settings: Settings, name: str, body: str
) -> None:
    ticket, to = await quiet_ticket(world, settings, catcher)

    mail = await deliver(corpus_mail(name, to), redis)
    await run_jobs(settings)

    assert mail.status is InboundStatus.PROCESSED, mail.reason
    posted = (await messages_of(ticket))[-1]
    assert (posted.body, posted.author_id) == (body, world.client_a.id)
    assert (await Ticket.get(id=ticket.id)).status is TicketStatus.CUSTOMER_REPLY
    notified = await catcher.wait_for("xavier@example.com")
    assert body.split("\n")[0] in notified[-1].text()
    assert "Ticket #42" not in notified[-1].text()  # the quoted notification stayed out
