"""Rating links in the closing mail, end to end: staff close over the API, the real
notification job mails the client through a real SMTP server, and the links read out of that
mail are followed over HTTP as a browser would (the page, then its POST)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from ratings_support import (
    BY_LINK,
    CLOSE,
    LINK_STATE,
    RATING,
    closing_mail,
    fragment,
    rating_links,
)

from app.config import Settings, get_settings
from app.models import TicketRating
from app.services import merge, messages
from app.workers.auto_close import auto_close_tickets
from tests.core.helpers import open_as
from tests.mail_out.mailout_support import SmtpServer, mail_to, mail_worker


@pytest.fixture
async def mailer(settings: Settings, smtp: SmtpServer, gql) -> AsyncIterator[None]:
    async with mail_worker(settings, smtp):
        yield


async def closed_with_mail(gql, world, smtp):
    """Alice's ticket, closed by staff; the closing mail she got."""
    ticket = await open_as(world.client_a, world.dept_x)
    closed = await gql.data(CLOSE, {"n": ticket.number}, token=world.staff_x.token)
    assert closed["closeTicket"]["status"] == "CLOSED"
    mail = await closing_mail(smtp, "alice@example.com")
    assert "was closed by Xavier Staff" in mail.part("plain")
    return ticket, mail


async def test_a_click_in_the_closing_mail_rates_once_and_the_comment_follows(
    gql, world, smtp, mailer
):
    ticket, mail = await closed_with_mail(gql, world, smtp)
    links = rating_links(mail)
    assert set(links) == {"Good", "Bad"}
    good = fragment(links["Good"])
    assert good["score"] == "good" and fragment(links["Bad"])["token"] == good["token"]

    # Fetching the link (as a mail scanner would) shows the page and records nothing: the
    # token and score are in the fragment, which is never sent.
    async with httpx.AsyncClient() as http:
        page = await http.get(links["Good"])
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert await TicketRating.all().count() == 0
    shown = (await gql.data(LINK_STATE, {"t": good["token"]}))["ratingLink"]
    assert shown == {
        "__typename": "RatingLink",
        "ticketNumber": ticket.number,
        "recorded": False,
        "canComment": False,
        "rating": None,
    }

    # A comment alone (no score yet) is refused, not dropped: nothing is recorded.
    alone = (await gql.data(BY_LINK, {"t": good["token"], "c": "Great"}))["rateByLink"]
    assert (alone["__typename"], alone["field"]) == ("ValidationError", "score")
    assert await TicketRating.all().count() == 0

    # The page posts the score, without signing in.
    rated = (await gql.data(BY_LINK, {"t": good["token"], "s": "GOOD"}))["rateByLink"]
    assert rated["recorded"] is True and rated["canComment"] is True
    assert rated["rating"] == {"score": "GOOD", "comment": None, "source": "LINK"}
    seen = await gql.data(RATING, {"n": ticket.number}, token=world.staff_x.token)
    assert seen["ticket"]["rating"]["score"] == "GOOD"

    # Single use: clicking again, or the other score, changes nothing and shows the rating.
    for token_score in ("GOOD", "BAD"):
        again = (await gql.data(BY_LINK, {"t": good["token"], "s": token_score}))["rateByLink"]
        assert again["recorded"] is False and again["rating"]["score"] == "GOOD"
    assert await TicketRating.all().count() == 1

    # The thank-you page adds the comment with the link's proof, once.
    commented = await gql.data(BY_LINK, {"t": good["token"], "c": "  Quick and kind  "})
    assert commented["rateByLink"]["rating"]["comment"] == "Quick and kind"
    assert commented["rateByLink"]["canComment"] is False
    replay = await gql.data(BY_LINK, {"t": good["token"], "c": "Quick and kind"})
    assert replay["rateByLink"]["__typename"] == "RatingLink"  # the same POST again: fine
    other = (await gql.data(BY_LINK, {"t": good["token"], "c": "Changed my mind"}))["rateByLink"]
    assert (other["__typename"], other["field"]) == ("ValidationError", "comment")
    seen = await gql.data(RATING, {"n": ticket.number}, token=world.staff_x.token)
    assert seen["ticket"]["rating"]["comment"] == "Quick and kind"
    assert await TicketRating.all().count() == 1


async def test_staff_copies_and_other_mails_carry_no_rating_links(gql, world, smtp, mailer):
    ticket = await open_as(world.client_a, world.dept_x)
    first = await mail_to(smtp, "alice@example.com")  # the acknowledgement
    assert "How did we do?" not in first.part("plain")
    staff_mail = await mail_to(smtp, "xavier@example.com")  # new ticket, to the department
    assert "/rate#" not in staff_mail.part("plain")
    await gql.data(CLOSE, {"n": ticket.number}, token=world.staff_x.token)
    closing = await closing_mail(smtp, "alice@example.com")
    assert "How did we do?" in closing.part("plain")


async def test_a_rating_link_expires_after_thirty_days(gql, world, smtp, mailer, frozen_clock):
    _, mail = await closed_with_mail(gql, world, smtp)
    token = fragment(rating_links(mail)["Bad"])["token"]

    frozen_clock.advance(timedelta(days=29, hours=23))
    shown = (await gql.data(LINK_STATE, {"t": token}))["ratingLink"]
    assert shown["__typename"] == "RatingLink"

    frozen_clock.advance(timedelta(hours=2))
    expired = (await gql.data(BY_LINK, {"t": token, "s": "BAD"}))["rateByLink"]
    assert (expired["__typename"], expired["field"]) == ("ValidationError", "token")
    assert "expired" in expired["message"]
    assert await TicketRating.all().count() == 0


async def test_a_tampered_or_foreign_link_is_refused_and_records_nothing(gql, world, smtp, mailer):
    _, mail = await closed_with_mail(gql, world, smtp)
    token = fragment(rating_links(mail)["Good"])["token"]
    _, ticket_id, entry, expires, mac = token.split(".")
    other = await open_as(world.client_b, world.dept_x)
    forged = [
        f"rate.{other.id}.{entry}.{expires}.{mac}",  # another ticket
        f"rate.{ticket_id}.{entry}.{int(expires) + 86400}.{mac}",  # a later expiry
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a wrong signature
        "garbage",
    ]
    for bad in forged:
        answer = (await gql.data(BY_LINK, {"t": bad, "s": "GOOD"}))["rateByLink"]
        assert (answer["__typename"], answer["field"]) == ("ValidationError", "token"), bad
    assert await TicketRating.all().count() == 0


BULK = """mutation($numbers: [Int!], $change: BulkChangeInput!) {
  bulkUpdateTickets(numbers: $numbers, change: $change) { number ok } }"""


async def test_every_way_of_closing_asks_and_a_merge_does_not(
    gql, world, smtp, mailer, frozen_clock
):
    # In bulk.
    bulk = await open_as(world.client_a, world.dept_x, subject="Bulk one")
    done = await gql.data(
        BULK, {"numbers": [bulk.number], "change": {"close": True}}, token=world.staff_x.token
    )
    assert done["bulkUpdateTickets"] == [{"number": bulk.number, "ok": True}]
    first = await closing_mail(smtp, "alice@example.com")
    assert first.header("X-Helpdesk-Ticket") == str(bulk.number)
    token = fragment(rating_links(first)["Good"])["token"]
    assert token.startswith(f"rate.{bulk.id}.")

    # Automatically, after the idle days of an answered ticket.
    idle = await open_as(world.client_a, world.dept_x, subject="Gone quiet")
    await messages.reply_to_ticket(
        actor=world.staff_x.actor, number=idle.number, body="Fixed?", settings=get_settings()
    )
    frozen_clock.advance(timedelta(days=8))
    assert await auto_close_tickets({"settings": get_settings()}) == 1
    auto = await closing_mail(smtp, "alice@example.com", 2)
    assert "closed automatically" in auto.part("plain")
    auto_token = fragment(rating_links(auto)["Bad"])["token"]
    rated = (await gql.data(BY_LINK, {"t": auto_token, "s": "BAD"}))["rateByLink"]
    assert rated["ticketNumber"] == idle.number and rated["recorded"] is True

    # A merge closes the source without asking: no rating link goes out, none is accepted.
    source = await open_as(world.client_a, world.dept_x, subject="Duplicate")
    target = await open_as(world.client_a, world.dept_x, subject="Original")
    await merge.merge_tickets(actor=world.staff_x.actor, source=source.number, target=target.number)
    await gql.data(CLOSE, {"n": target.number}, token=world.staff_x.token)
    third = await closing_mail(smtp, "alice@example.com", 3)
    assert third.header("X-Helpdesk-Ticket") == str(target.number)
    assert all(f"rate.{source.id}." not in r.part("plain") for r in smtp.to("alice@example.com"))
