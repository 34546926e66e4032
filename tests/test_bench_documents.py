"""The ceiling benchmark sends the web UI's own documents, and both of its sides can answer them.

``bench/ceiling_documents.py`` reads the operations (and the fragments they spread) from the web
UI's sources; ``bench/bare_server.py`` answers them from memory. If the web UI adds a field the
bare stack lacks, or the extraction stops finding a document, this fails before a benchmark
would measure an old document or crash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from graphql import parse, validate

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import bare_server  # noqa: E402
import ceiling_documents  # noqa: E402

from app.api import schema as product_schema  # noqa: E402

WEB_OPERATIONS = {"StaffTicket", "MyTickets", "TicketList", "ReplyToTicket"}


def test_the_benchmark_sends_the_web_uis_documents_with_their_fragments():
    by_name = {d.web_name: d for d in ceiling_documents.DOCUMENTS if d.web_name}
    assert set(by_name) == WEB_OPERATIONS
    for name, document in by_name.items():
        assert document.query == ceiling_documents.web_document(name)
        parsed = parse(document.query)
        operations = [d for d in parsed.definitions if d.kind == "operation_definition"]
        assert [op.name.value for op in operations] == [name]
    staff_ticket = ceiling_documents.STAFF_TICKET
    # What the ticket page shows today, spread from other components' fragments.
    for field in ("slaState", "clientTickets", "moveTargets", "mergedInto", "version", "tags"):
        assert field in staff_ticket, field
    assert "fragment ClientTicketsPanel on Ticket" in staff_ticket
    assert "fragment MessageFields on Message" in staff_ticket


def test_an_unknown_web_operation_is_refused_by_name():
    with pytest.raises(LookupError, match="NoSuchPage"):
        ceiling_documents.web_document("NoSuchPage")


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param(lambda: product_schema._schema, id="product"),
        pytest.param(
            lambda: (
                bare_server.strawberry.Schema(
                    query=bare_server.Query, mutation=bare_server.Mutation
                )._schema
            ),
            id="bare",
        ),
    ],
)
def test_both_sides_of_the_benchmark_accept_every_document(schema):
    graphql_schema = schema()
    for document in ceiling_documents.DOCUMENTS:
        errors = validate(graphql_schema, parse(document.query))
        assert errors == [], (document.key, [e.message for e in errors])
