"""A bad search is named by its argument path, ``filter.search``, wherever it is sent: the
list (as a literal, in a ``filter`` variable or a variable of its own), a saved view, a bulk
action; for a control character and for length alike."""

from __future__ import annotations

import pytest

from tests.core.helpers import open_as
from tests.core.test_bulk import BULK
from tests.core.test_saved_views import SAVE

BAD = ["print\x00er", "tray\tpaper", "tray\x1b[2J", "x" * 201]

OWN_VARIABLE = """query($s: String) { tickets(filter: {search: $s}) { totalCount } }"""
FILTER_VARIABLE = """query($f: TicketFilter) { tickets(filter: $f) { totalCount } }"""


@pytest.mark.parametrize("text", BAD)
async def test_the_list_names_filter_search(gql, world, text):
    for query, variables in [
        (OWN_VARIABLE, {"s": text}),
        (FILTER_VARIABLE, {"f": {"search": text}}),
    ]:
        body = await gql(query, variables, token=world.admin.token)
        assert body["data"] is None, query
        assert body["errors"][0]["extensions"] == {
            "code": "VALIDATION_ERROR",
            "field": "filter.search",
        }, query
    literal = (
        '{ tickets(filter: {search: "'
        + text.replace("\x00", "\\u0000").replace("\t", "\\t").replace("\x1b", "\\u001b")
        + '"}) { totalCount } }'
    )
    body = await gql(literal, token=world.admin.token)
    assert body["errors"][0]["extensions"]["field"] == "filter.search"


@pytest.mark.parametrize("text", BAD)
async def test_a_view_and_a_bulk_action_name_filter_search(gql, world, text):
    ticket = await open_as(world.client_a, world.dept_x, "Printer", "tray")
    saved = (
        await gql.data(
            SAVE, {"input": {"name": "Mine", "filter": {"search": text}}}, token=world.admin.token
        )
    )["saveView"]
    assert saved["__typename"] == "ValidationError"
    assert saved["field"] == "filter.search"
    assert [e["field"] for e in saved["fieldErrors"]] == ["filter.search"]
    results = (
        await gql.data(
            BULK,
            {"change": {"priority": "LOW"}, "filter": {"search": text}},
            token=world.admin.token,
        )
    )["bulkUpdateTickets"]
    assert [r["error"]["field"] for r in results] == ["filter.search"]
    assert (await ticket.__class__.get(id=ticket.id)).version == ticket.version
