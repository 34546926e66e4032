"""The query cost limit: priced before running, refused with the cost named, and the web UI's
own operations well inside it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from app.api import build_schema
from app.config import Settings
from app.schema.core.cost import operation_cost

schema = build_schema(Settings())

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = re.compile(r"graphql\(\s*`(.*?)`", re.S)


def web_documents() -> dict[str, int]:
    """The cost of every operation the web UI sends (every ``graphql(`...`)`` in web/src)."""
    texts = [
        match
        for path in (ROOT / "web" / "src").rglob("*.ts*")
        if "gql" not in path.relative_to(ROOT / "web" / "src").parts
        for match in DOCUMENT.findall(path.read_text())
    ]
    definitions = [d for text in texts for d in parse(text).definitions]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    return {
        d.name.value if d.name else "anonymous": operation_cost(schema._schema, d, fragments)
        for d in definitions
        if isinstance(d, OperationDefinitionNode)
    }


def test_the_web_uis_operations_stay_well_inside_the_limit(settings):
    costs = web_documents()
    assert len(costs) >= 30, costs  # every page's documents were found
    worst = max(costs, key=costs.__getitem__)
    assert costs[worst] <= settings.query_cost_limit // 3, (worst, costs[worst])


THREAD = "ticket(number: $n) { messages(first: 100) { edges { node { body attachments { id url filename size contentType } } } } }"


async def test_an_over_budget_operation_is_refused_with_its_cost(gql, world, settings, caplog):
    """30 aliases of a ticket's whole thread with files: priced, refused, nothing run."""
    query = "query($n: Int!) { " + " ".join(f"t{i}: {THREAD}" for i in range(30)) + " }"
    with caplog.at_level(logging.ERROR):
        body = await gql(query, {"n": 1000}, token=world.client_a.token)
    [error] = body["errors"]
    assert body.get("data") is None
    extensions = error["extensions"]
    assert extensions["code"] == "QUERY_TOO_COSTLY"
    assert extensions["limit"] == settings.query_cost_limit
    assert extensions["cost"] > settings.query_cost_limit
    assert f"would cost {extensions['cost']}" in error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_variables_price_a_page_at_its_largest(gql, world):
    """``first: $n`` counts as 100, whatever the variable says, so a document's price does not
    depend on its variables (and is computed once per document)."""
    one = "query($n: Int!, $f: Int) { ticket(number: $n) { messages(first: $f) { edges { node { attachments { id url filename size contentType } } } } } }"
    aliases = (
        "query($n: Int!, $f: Int) { "
        + " ".join(
            f"t{i}: ticket(number: $n) {{ messages(first: $f) {{ edges {{ node {{ attachments {{ id url filename size contentType }} }} }} }} }}"
            for i in range(5)
        )
        + " }"
    )
    assert "errors" not in await gql(one, {"n": 1000, "f": 1}, token=world.client_a.token)
    refused = await gql(aliases, {"n": 1000, "f": 1}, token=world.client_a.token)
    assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_fragments_are_priced_where_they_are_used(gql, world):
    query = (
        "query($n: Int!) { "
        + " ".join(f"t{i}: ticket(number: $n) {{ ...T }}" for i in range(30))
        + " } fragment T on Ticket { messages(first: 100) { edges { node { attachments { id url } } } } }"
    )
    body = await gql(query, {"n": 1000}, token=world.client_a.token)
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_a_full_page_of_the_admin_list_is_within_budget(gql, world):
    query = """{ tickets(first: 100) { totalCount edges { cursor node { number subject status
      priority lastActivityAt client { name email } department { name } assignee { name } } } } }"""
    assert "errors" not in await gql(query, token=world.admin.token)
