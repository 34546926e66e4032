"""The GraphQL documents of the ceiling benchmark, as the web UI and the list benchmark send them.

StaffTicket, MyTickets and ReplyToTicket are the web UI's documents (with their fragments, as
the generated ``web/src/gql/graphql.ts`` sends them); ADMIN_LIST is the admin list of every
column that the README's list figures have always used. ``web_drift`` says which of the web
documents no longer match the built web UI, so the benchmark cannot silently measure an old one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

ADMIN_LIST = """query($first: Int) { tickets(first: $first) { totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node { number subject status priority lastActivityAt
    client { name } department { name } assignee { name } } } } }"""

STAFF_TICKET = """query StaffTicket($number: Int!, $isAdmin: Boolean!) {
  ticket(number: $number) {
    ...TicketPageFields
    assignee { id name }
    auditTrail(first: 20) { ...AuditPage }
  }
  departments { id name }
  admins: users(role: ADMIN, first: 100) @include(if: $isAdmin) { edges { node { id name } } }
}
fragment MessageFields on Message {
  id body internal source createdAt
  author { id name role }
  attachments { id filename contentType size url }
}
fragment ThreadPage on MessageConnection {
  pageInfo { hasNextPage endCursor }
  edges { node { ...MessageFields } }
}
fragment TicketPageFields on Ticket {
  id number subject status priority createdAt lastActivityAt
  department { id name }
  client { id name email }
  messages(first: 100) { ...ThreadPage }
}
fragment AuditPage on AuditEntryConnection {
  pageInfo { hasNextPage endCursor }
  edges { node { field oldValue newValue createdAt actor { id name } } }
}"""

MY_TICKETS = """query MyTickets($first: Int!, $after: String, $filter: TicketFilter,
  $sort: TicketSort) {
  tickets(first: $first, after: $after, filter: $filter, sort: $sort) { ...TicketRows }
}
fragment TicketRows on TicketConnection {
  totalCount totalCountCapped
  pageInfo { hasNextPage endCursor }
  edges { highlight { field parts { text matched } } node { id number subject status priority lastActivityAt
    client { id name } department { id name } assignee { id name } } }
}"""

REPLY_TO_TICKET = """mutation ReplyToTicket($input: ReplyInput!) {
  replyToTicket(input: $input) {
    __typename
    ... on Message { id }
    ...ErrorFields
  }
}
fragment ErrorFields on Error {
  message code field
  ... on ValidationError { fieldErrors { field message } }
}"""

# The web UI's page sizes: My Tickets shows 25 a page; a ticket page asks for 100 messages.
MY_TICKETS_PAGE = 25
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
    web_name: str | None = None  # the web UI's operation of the same text, if any

    def payload(self, seeded: Any) -> dict[str, Any]:
        """The JSON body for this document against the seeded database."""
        if self.key == "list":
            variables: dict[str, Any] = {"first": 50}
        elif self.key == "ticket":
            variables = {"number": seeded.page_ticket, "isAdmin": True}
        elif self.key == "my":
            variables = {"first": MY_TICKETS_PAGE}
        else:
            variables = {"input": {"number": seeded.reply_ticket, "body": REPLY_BODY}}
        return {"query": self.query, "variables": variables}


DOCUMENTS = [
    Document("list", "admin list, 50 rows, every column", ADMIN_LIST, "admin"),
    Document(
        "ticket", "staff ticket page, 50 messages", STAFF_TICKET, "admin", web_name="StaffTicket"
    ),
    Document("my", "client's My Tickets, 25 rows", MY_TICKETS, "client", web_name="MyTickets"),
    Document(
        "reply", "replyToTicket (mutation)", REPLY_TO_TICKET, "admin", web_name="ReplyToTicket"
    ),
]


def _normalised(document: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\s*([{}()@:,])\s*", r"\1", document)).strip()


def web_drift() -> list[str] | None:
    """The web documents whose text differs from the built web UI's; None without a build."""
    generated = ROOT / "web" / "src" / "gql" / "graphql.ts"
    if not generated.exists():
        return None
    source = generated.read_text()
    drift = []
    for document in DOCUMENTS:
        if document.web_name is None:
            continue
        found = re.search(
            rf"export const {document.web_name}Document = new TypedDocumentString\(`(.*?)`\)",
            source,
            re.S,
        )
        if found is None or _normalised(found.group(1)) != _normalised(document.query):
            drift.append(document.web_name)
    return drift
