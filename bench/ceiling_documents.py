"""The GraphQL documents of the ceiling benchmark: the web UI's own, read from its sources.

StaffTicket, MyTickets and ReplyToTicket are taken from ``web/src`` when the benchmark starts:
every ``graphql(`...`)`` literal of the web UI's sources is parsed, and each operation is sent
with the fragments it spreads (transitively), as the generated client sends it. So the
benchmark measures the documents the web UI sends today, and a field the web UI adds is asked
of both sides (the bare stack must declare it, or its check fails). ADMIN_LIST is the admin
list of every column that the README's list figures have always used (the web UI's staff list,
``TicketList``, also asks for tags, SLA and ratings: ``STAFF_LIST``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from graphql import (
    DefinitionNode,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

ROOT = Path(__file__).resolve().parents[1]
WEB_SRC = ROOT / "web" / "src"
_LITERAL = re.compile(r"\bgraphql\(\s*`(.*?)`\s*\)", re.S)


@cache
def web_definitions() -> dict[str, DefinitionNode]:
    """Every operation and fragment declared in the web UI's sources, by name (the generated
    client under ``src/gql`` left out)."""
    found: dict[str, DefinitionNode] = {}
    for path in sorted(WEB_SRC.rglob("*.ts*")):
        if path.relative_to(WEB_SRC).parts[0] == "gql":
            continue
        for literal in _LITERAL.findall(path.read_text()):
            for definition in parse(literal).definitions:
                if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
                    assert definition.name is not None, f"an unnamed operation in {path}"
                    found[definition.name.value] = definition
    return found


def _spreads(node: Any) -> list[str]:
    names: list[str] = []

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.append(spread.name.value)

    visit(node, Spreads())
    return names


def web_document(operation: str) -> str:
    """The web UI's ``operation`` with every fragment it uses, as one document's text."""
    definitions = web_definitions()
    if operation not in definitions:
        raise LookupError(f"the web UI declares no operation {operation!r} (web/src)")
    wanted = [definitions[operation]]
    seen = {operation}
    for definition in wanted:  # grows while it is walked: fragments of fragments
        for name in _spreads(definition):
            if name not in seen:
                seen.add(name)
                wanted.append(definitions[name])
    return print_ast(DocumentNode(definitions=tuple(wanted)))


ADMIN_LIST = """query($first: Int) { tickets(first: $first) { totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node { number subject status priority lastActivityAt
    client { name } department { name } assignee { name } } } } }"""

STAFF_TICKET = web_document("StaffTicket")
MY_TICKETS = web_document("MyTickets")
STAFF_LIST = web_document("TicketList")
REPLY_TO_TICKET = web_document("ReplyToTicket")

# The web UI's page sizes: a list shows 25 a page; a ticket page asks for 100 messages.
MY_TICKETS_PAGE = 25
STAFF_LIST_PAGE = 25
REPLY_BODY = (
    "Thanks for the details. I have reset the synchronisation token on our side; please sign "
    "out and in again and tell us whether the calendar shows the missing events now."
)


@dataclass(frozen=True)
class Document:
    key: str
    title: str
    query: str
    token: str  # "admin" or "client": whose bearer token sends it
    web_name: str | None = None  # the web UI's operation it is (read from web/src), if any

    def payload(self, seeded: Any) -> dict[str, Any]:
        """The JSON body for this document against the seeded database."""
        if self.key == "list":
            variables: dict[str, Any] = {"first": 50}
        elif self.key == "ticket":
            variables = {"number": seeded.page_ticket, "isAdmin": True}
        elif self.key == "my":
            variables = {"first": MY_TICKETS_PAGE}
        elif self.key == "staff":
            variables = {"first": STAFF_LIST_PAGE}
        else:
            variables = {"input": {"number": seeded.reply_ticket, "body": REPLY_BODY}}
        return {"query": self.query, "variables": variables}


DOCUMENTS = [
    Document("list", "admin list, 50 rows, every column", ADMIN_LIST, "admin"),
    Document(
        "staff", "admin's staff list (web UI), 25 rows", STAFF_LIST, "admin", web_name="TicketList"
    ),
    Document(
        "ticket", "staff ticket page, 50 messages", STAFF_TICKET, "admin", web_name="StaffTicket"
    ),
    Document("my", "client's My Tickets, 25 rows", MY_TICKETS, "client", web_name="MyTickets"),
    Document(
        "reply", "replyToTicket (mutation)", REPLY_TO_TICKET, "admin", web_name="ReplyToTicket"
    ),
]
