"""Words the search language leaves out ("the", "and") are not required: "invoice and vat" finds
a ticket that has "invoice" and "VAT" but no "and", on SQLite as on PostgreSQL."""

from __future__ import annotations

from tests.core.helpers import open_as
from tests.core.test_search_terms import found


async def test_stop_words_among_other_words_are_not_required(gql, world):
    ticket = await open_as(world.client_a, world.dept_x, "Invoice without VAT", "Please fix.")
    other = await open_as(world.client_a, world.dept_x, "Invoice copy", "Please resend it.")
    for person in (world.client_a, world.staff_x, world.admin):
        assert await found(gql, person, "invoice and vat") == [ticket.number]
        assert await found(gql, person, "the invoice for the VAT") == [ticket.number]
    # The other words still count: a word nowhere finds nothing; a phrase keeps its words.
    assert await found(gql, world.staff_x, "invoice and pineapple") == []
    assert await found(gql, world.staff_x, '"resend it"') == [other.number]
