"""The staff ticket page (the web UI's own ``StaffTicket`` document) makes as many SQL
statements for a thread of 100 messages as for one of 10, on its first read too: messages
written before their HTML was stored (migration 0020) render on that read and are stored in one
statement, not one per message."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from helpers import open_as
from pypika_tortoise.queries import QueryBuilder

from app.models import Attachment, Message, Ticket

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from ceiling_documents import STAFF_TICKET


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        # The outbox relay polls in the background: its statements are not the page's.
        if '"outbox"' not in text and " outbox " not in text:
            self.texts.append(text)


@contextmanager
def _counted() -> Iterator[_Statements]:
    logger = logging.getLogger("tortoise.db_client")
    handler, level = _Statements(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def _thread_of(world, size: int) -> Ticket:  # type: ignore[no-untyped-def]
    """A ticket of ``size`` messages, staff and client in turn, each with a file, written as
    before migration 0020 (no stored HTML; the staff replies signed)."""
    ticket = await open_as(world.client_a, world.dept_x, body="First")
    await Message.filter(ticket_id=ticket.id).update(body_html=None)
    stamp = ticket.created_at
    rows = []
    for n in range(1, size):
        stamp += timedelta(minutes=1)
        staff = n % 2 == 1
        rows.append(
            Message(
                ticket_id=ticket.id,
                author_id=world.staff_x.id if staff else world.client_a.id,
                body=f"Message **{n}** of {size}\n\nwith a [link](https://example.com/{n})",
                signature=f"Sam *{n}*" if staff else None,
                internal=n % 7 == 0,
                created_at=stamp,
            )
        )
    await Message.bulk_create(rows)
    messages = await Message.filter(ticket_id=ticket.id)
    await Attachment.bulk_create(
        [
            Attachment(
                public_id=f"file-{ticket.id}-{m.id}",
                message_id=m.id,
                filename=f"shot-{m.id}.png",
                content_type="image/png",
                size=1000,
                sha256="0" * 64,
                created_at=m.created_at,
            )
            for m in messages
        ]
    )
    assert await Message.filter(ticket_id=ticket.id, body_html__isnull=True).count() == size
    return ticket


async def _page(gql, world, ticket: Ticket) -> tuple[list[dict], list[str]]:  # type: ignore[no-untyped-def]
    with _counted() as log:
        data = await gql.data(
            STAFF_TICKET, {"number": ticket.number, "isAdmin": True}, token=world.admin.token
        )
    return [edge["node"] for edge in data["ticket"]["messages"]["edges"]], log.texts


async def test_the_ticket_page_makes_as_many_statements_for_100_messages_as_for_10(
    gql, world, frozen_clock
):
    small, large = await _thread_of(world, 10), await _thread_of(world, 100)
    # The token's first request resolves its actor, and the first ticket page read keeps the
    # departments and users (both of these threads' authors) in the process: not the page's.
    await _page(gql, world, await _thread_of(world, 2))

    cold_small, cold_small_sql = await _page(gql, world, small)
    cold_large, cold_large_sql = await _page(gql, world, large)
    assert len(cold_small) == 10 and len(cold_large) == 100
    assert cold_large[3]["bodyHtml"] == (
        '<p>Message <strong>3</strong> of 100</p>\n<p>with a <a href="https://example.com/3"'
        ' target="_blank" rel="nofollow noopener noreferrer">link</a></p>'
    )
    assert cold_large[3]["signatureHtml"] == "<p>Sam <em>3</em></p>"
    assert all(len(m["attachments"]) == 1 for m in cold_large)
    assert len(cold_large_sql) == len(cold_small_sql), "\n".join(cold_large_sql)

    # Stored by that first read: the next reads render nothing and write nothing.
    assert await Message.filter(ticket_id=large.id, body_html__isnull=True).count() == 0
    signed = Message.filter(ticket_id=large.id, signature__isnull=False)
    assert await signed.filter(signature_html__isnull=True).count() == 0
    warm_small, warm_small_sql = await _page(gql, world, small)
    warm_large, warm_large_sql = await _page(gql, world, large)
    assert warm_large == cold_large and warm_small == cold_small
    assert len(warm_large_sql) == len(warm_small_sql)
    assert len(warm_large_sql) < len(cold_large_sql)
    assert not [s for s in warm_large_sql if s.startswith("UPDATE")], warm_large_sql


@contextmanager
def _built() -> Iterator[list[str]]:
    """The statements Tortoise's query builder (pypika) builds meanwhile."""
    built: list[str] = []
    original = QueryBuilder.get_parameterized_sql

    def counted(self, ctx=None):  # type: ignore[no-untyped-def]
        sql, params = original(self, ctx)
        built.append(sql)
        return sql, params

    QueryBuilder.get_parameterized_sql = counted  # type: ignore[method-assign]
    try:
        yield built
    finally:
        QueryBuilder.get_parameterized_sql = original  # type: ignore[method-assign]


async def test_a_warm_ticket_page_builds_no_statement_and_shows_ccs_followers_and_the_client_panel(
    gql, world, frozen_clock
):
    """The ticket page's statements (the ticket, rating, tags, CC'd contacts, followers, the
    client panel's recent tickets and counts) are built once per shape and kept: a later read of
    the page, as admin and as staff of the department, builds none and shows what it showed."""
    ticket = await _thread_of(world, 3)
    other = await open_as(world.client_a, world.dept_x, body="Another one")
    await open_as(world.client_a, world.dept_y, body="Elsewhere")  # staff_x does not see it
    await gql.data(
        """mutation($n: Int!) { setTicketCcs(number: $n, addresses: ["pat@client.test"]) {
             __typename } }""",
        {"n": ticket.number},
        token=world.staff_x.token,
    )
    await gql.data(
        "mutation($n: Int!) { followTicket(number: $n) { __typename } }",
        {"n": ticket.number},
        token=world.staff_x.token,
    )
    document = """query($n: Int!) { ticket(number: $n) {
        ccContacts { email } followers { name } following
        clientTickets { total recent { number } counts { status count } } } }"""
    for viewer, total in ((world.admin, 2), (world.staff_x, 1)):
        first = await gql.data(document, {"n": ticket.number}, token=viewer.token)
        await _page(gql, world, ticket)  # the page's own document, warmed as well
        with _built() as built, _counted() as log:
            again = await gql.data(document, {"n": ticket.number}, token=viewer.token)
        assert again == first
        page = first["ticket"]
        assert page["ccContacts"] == [{"email": "pat@client.test"}]
        assert page["followers"] == [{"name": "Xavier Staff"}]
        assert page["following"] is (viewer is world.staff_x)
        panel = page["clientTickets"]
        assert panel["total"] == total
        assert other.number in [row["number"] for row in panel["recent"]]
        assert sum(row["count"] for row in panel["counts"]) == total
        assert built == [], built
        # The ticket, CCs, followers, the followers' departments (one statement for all staff
        # followers), the client panel's recent tickets and counts.
        assert len(log.texts) == 6, log.texts
    with _built() as built, _counted() as log:
        await _page(gql, world, ticket)
    assert built == [], built
    # The page's 7 (see the README) and its staff followers' departments: one statement for all.
    assert len(log.texts) == 8, "\n".join(log.texts)
