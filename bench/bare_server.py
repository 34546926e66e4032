"""The ceiling: the same GraphQL documents on bare Strawberry + Starlette + uvicorn.

    python bench/bare_server.py --port N --data FILE --database-url URL

Plain Strawberry types whose fields are attributes (the fields with arguments,
``Ticket.messages``, ``Ticket.auditTrail`` and ``users``, are plain functions); no
authentication, no limits, no DataLoaders, no extensions but Strawberry's own ``ParserCache``
and ``ValidationCache`` (each document text parsed and validated once, as the product does,
and as any Strawberry app serving a web UI's few documents would; ``--no-document-cache``
leaves them out: then the parse and validation of the web UI's larger documents cost more than
executing them, which made My Tickets dearer than a 50-row list); Strawberry's and uvicorn's defaults (uvloop, httptools, the access log) as
``helpdesk serve`` has them, and its garbage-collector setting (start-up objects frozen, a
larger first generation: without it, full collections stall this process for hundreds of ms). The read documents are answered from objects built once, at start,
from FILE: the product's own answers to the same documents, so rows, values and their lengths
are the same (the benchmark checks that both answers are equal). The ``Authorization`` header is
only a key that picks whose list ``tickets`` answers (the admin's or the client's); nothing is
looked up.

``replyToTicket`` writes through Tortoise ORM to the product's database (same kind, same
tables): in one transaction it reads the ticket row (``SELECT ... FOR UPDATE`` on PostgreSQL),
inserts the message row and saves the ticket row (status Answered, last activity now). The
product does that too, and besides: the token lookup, the ticket lookup in the viewer's scope,
the policy checks, the body's validation, a Redis PUBLISH for live updates and an arq job for
notifications.
"""

from __future__ import annotations

import argparse
import enum
import gc
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.file_uploads import Upload
from tortoise import Tortoise, fields
from tortoise.expressions import F
from tortoise.models import Model
from tortoise.transactions import in_transaction

# --- the ORM rows the mutation writes (the product's tables, declared here on their own) ---


class TicketRow(Model):
    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    subject = fields.CharField(max_length=255)
    status = fields.CharField(max_length=20)
    priority = fields.IntField()
    department_id = fields.IntField()
    client_id = fields.IntField()
    assignee_id = fields.IntField(null=True)
    created_at = fields.DatetimeField()
    last_activity_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "tickets"


class MessageRow(Model):
    id = fields.IntField(primary_key=True)
    ticket_id = fields.IntField()
    author_id = fields.IntField(null=True)
    body = fields.TextField()
    internal = fields.BooleanField(default=False)
    source = fields.CharField(max_length=10)
    created_at = fields.DatetimeField()

    class Meta:
        table = "messages"


# --- the GraphQL types: plain attributes ---


@strawberry.enum
class Role(enum.Enum):
    CLIENT = "CLIENT"
    STAFF = "STAFF"
    ADMIN = "ADMIN"


@strawberry.enum
class TicketStatus(enum.Enum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"
    CUSTOMER_REPLY = "CUSTOMER_REPLY"
    IN_PROGRESS = "IN_PROGRESS"
    ON_HOLD = "ON_HOLD"
    CLOSED = "CLOSED"


@strawberry.enum
class TicketPriority(enum.Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


@strawberry.enum
class MessageSource(enum.Enum):
    WEB = "WEB"
    EMAIL = "EMAIL"
    API = "API"
    SYSTEM = "SYSTEM"


@strawberry.enum
class SlaState(enum.Enum):
    ON_TRACK = "ON_TRACK"
    AT_RISK = "AT_RISK"
    BREACHED = "BREACHED"
    MET = "MET"
    PAUSED = "PAUSED"
    NONE = "NONE"


@strawberry.enum
class RatingScore(enum.Enum):
    GOOD = "GOOD"
    BAD = "BAD"


@strawberry.type
class Tag:
    id: strawberry.ID
    name: str
    color: str


@strawberry.type
class Rating:
    score: RatingScore
    comment: str | None
    rated_at: datetime


@strawberry.type
class User:
    id: strawberry.ID
    name: str
    role: Role
    active: bool
    email: str


@strawberry.type
class Department:
    id: strawberry.ID
    name: str


@strawberry.type
class Attachment:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int
    url: str
    is_image: bool


@strawberry.type
class Contact:
    name: str
    email: str
    label: str


@strawberry.type
class Message:
    id: strawberry.ID
    body: str
    internal: bool
    source: MessageSource
    created_at: datetime
    author: User | None
    attachments: list[Attachment]
    body_html: str
    signature: str | None
    signature_html: str | None
    author_contact: Contact | None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class MessageEdge:
    cursor: str
    node: Message


@strawberry.type
class MessageConnection:
    edges: list[MessageEdge]
    page_info: PageInfo


@strawberry.type
class AuditEntry:
    field: str
    old_value: str | None
    new_value: str | None
    created_at: datetime
    actor: User | None


@strawberry.type
class AuditEntryEdge:
    node: AuditEntry


@strawberry.type
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: PageInfo


@strawberry.type
class UserEdge:
    node: User


@strawberry.type
class UserConnection:
    edges: list[UserEdge]
    page_info: PageInfo


@strawberry.type
class StatusCount:
    status: TicketStatus
    count: int


@strawberry.type
class ClientTickets:
    recent: list[Ticket]
    counts: list[StatusCount]
    total: int


@strawberry.type
class Ticket:
    id: strawberry.ID
    number: int
    subject: str
    status: TicketStatus
    priority: TicketPriority
    version: int | None
    created_at: datetime
    last_activity_at: datetime
    department: Department
    client: User
    assignee: User | None
    merged_into: Ticket | None
    rating: Rating | None
    tags: list[Tag]
    sla_state: SlaState | None
    sla_due_at: datetime | None
    sla_at_risk_at: datetime | None
    first_response_due_at: datetime | None
    first_response_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    client_tickets: ClientTickets | None
    following: bool
    followers: list[User]
    cc_contacts: list[Contact]
    trail: strawberry.Private[AuditEntryConnection]
    thread: strawberry.Private[MessageConnection]

    @strawberry.field
    def messages(self, first: int = 50, after: str | None = None) -> MessageConnection:
        return self.thread

    @strawberry.field
    def audit_trail(self, first: int = 50, after: str | None = None) -> AuditEntryConnection:
        return self.trail


@strawberry.type
class HighlightPart:
    text: str
    matched: bool


@strawberry.type
class Highlight:
    field: str
    parts: list[HighlightPart]


@strawberry.type
class TicketEdge:
    cursor: str
    node: Ticket
    highlight: Highlight | None = None  # a search's; My Tickets is read without one


@strawberry.input
class TicketFilter:
    """Accepted (My Tickets declares it) and not applied: the benchmark sends none."""

    search: str | None = None


@strawberry.input
class TicketSort:
    """Accepted (My Tickets declares it) and not applied: the benchmark sends none."""

    field: str | None = None
    descending: bool = True


@strawberry.type
class TicketConnection:
    edges: list[TicketEdge]
    page_info: PageInfo
    total_count: int
    total_count_capped: bool


@strawberry.interface
class Error:
    message: str
    code: str
    field: str | None


@strawberry.type
class FieldError:
    field: str
    message: str


@strawberry.type
class ValidationError(Error):
    field_errors: list[FieldError]


@strawberry.type
class NotFound(Error):
    pass


ReplyResult = Annotated[Message | ValidationError | NotFound, strawberry.union("ReplyResult")]


@strawberry.input
class ReplyInput:
    number: int
    body: str
    attachments: list[Upload] | None = None


# --- the data, built once from the product's answers ---


@dataclass
class Data:
    lists: dict[tuple[str, int], TicketConnection]  # (whose list, page size) -> the page
    viewers: dict[str, str]  # Authorization header -> whose list
    tickets: dict[int, Ticket]
    departments: list[Department]
    move_targets: list[Department]
    admins: list[User]
    author_id: int


DATA: Data


def _time(value: str | None) -> datetime:
    return datetime.fromisoformat(value) if value else datetime(2000, 1, 1, tzinfo=UTC)


def _maybe_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _user(d: dict[str, Any] | None) -> User | None:
    if d is None:
        return None
    return User(
        id=strawberry.ID(d.get("id", "0")),
        name=d.get("name", ""),
        role=Role(d.get("role", "CLIENT")),
        active=d.get("active", True),
        email=d.get("email", ""),
    )


def _department(d: dict[str, Any]) -> Department:
    return Department(id=strawberry.ID(d.get("id", "0")), name=d.get("name", ""))


def _page_info(d: dict[str, Any]) -> PageInfo:
    return PageInfo(
        has_next_page=d.get("hasNextPage", False),
        has_previous_page=d.get("hasPreviousPage", False),
        start_cursor=d.get("startCursor"),
        end_cursor=d.get("endCursor"),
    )


def _message(d: dict[str, Any]) -> Message:
    return Message(
        id=strawberry.ID(d.get("id", "0")),
        body=d.get("body", ""),
        internal=d.get("internal", False),
        source=MessageSource(d.get("source", "WEB")),
        created_at=_time(d.get("createdAt")),
        author=_user(d.get("author")),
        attachments=[
            Attachment(
                id=strawberry.ID(a["id"]),
                filename=a["filename"],
                content_type=a.get("contentType", "application/octet-stream"),
                size=a["size"],
                url=a["url"],
                is_image=a.get("isImage", False),
            )
            for a in d.get("attachments", [])
        ],
        body_html=d.get("bodyHtml", ""),
        signature=d.get("signature"),
        signature_html=d.get("signatureHtml"),
        author_contact=_contact(d.get("authorContact")),
    )


def _contact(d: dict[str, Any] | None) -> Contact | None:
    if d is None:
        return None
    return Contact(name=d.get("name", ""), email=d.get("email", ""), label=d.get("label", ""))


def _ticket(d: dict[str, Any]) -> Ticket:
    thread = d.get("messages") or {"edges": [], "pageInfo": {}}
    trail = d.get("auditTrail") or {"edges": [], "pageInfo": {}}
    rating = d.get("rating")
    context = d.get("clientTickets")
    return Ticket(
        id=strawberry.ID(d.get("id", "0")),
        number=d.get("number", 0),
        subject=d.get("subject", ""),
        status=TicketStatus(d.get("status", "OPEN")),
        priority=TicketPriority(d.get("priority", "MEDIUM")),
        version=d.get("version"),
        created_at=_time(d.get("createdAt")),
        last_activity_at=_time(d.get("lastActivityAt")),
        department=_department(d.get("department") or {}),
        client=_user(d.get("client") or {}),  # type: ignore[arg-type]
        assignee=_user(d.get("assignee")),
        merged_into=_ticket(d["mergedInto"]) if d.get("mergedInto") else None,
        rating=None
        if rating is None
        else Rating(
            score=RatingScore(rating.get("score", "GOOD")),
            comment=rating.get("comment"),
            rated_at=_time(rating.get("ratedAt")),
        ),
        tags=[
            Tag(id=strawberry.ID(t["id"]), name=t["name"], color=t["color"])
            for t in d.get("tags") or []
        ],
        sla_state=SlaState(d["slaState"]) if d.get("slaState") else None,
        sla_due_at=_maybe_time(d.get("slaDueAt")),
        sla_at_risk_at=_maybe_time(d.get("slaAtRiskAt")),
        first_response_due_at=_maybe_time(d.get("firstResponseDueAt")),
        first_response_at=_maybe_time(d.get("firstResponseAt")),
        next_response_due_at=_maybe_time(d.get("nextResponseDueAt")),
        resolution_due_at=_maybe_time(d.get("resolutionDueAt")),
        following=d.get("following", False),
        followers=[u for u in (_user(f) for f in d.get("followers") or []) if u is not None],
        cc_contacts=[c for c in (_contact(x) for x in d.get("ccContacts") or []) if c is not None],
        client_tickets=None
        if context is None
        else ClientTickets(
            recent=[_ticket(t) for t in context["recent"]],
            counts=[
                StatusCount(status=TicketStatus(c["status"]), count=c["count"])
                for c in context["counts"]
            ],
            total=context["total"],
        ),
        trail=AuditEntryConnection(
            edges=[
                AuditEntryEdge(
                    node=AuditEntry(
                        field=a["node"]["field"],
                        old_value=a["node"]["oldValue"],
                        new_value=a["node"]["newValue"],
                        created_at=_time(a["node"]["createdAt"]),
                        actor=_user(a["node"]["actor"]),
                    )
                )
                for a in trail["edges"]
            ],
            page_info=_page_info(trail["pageInfo"]),
        ),
        thread=MessageConnection(
            edges=[
                MessageEdge(cursor=e.get("cursor", ""), node=_message(e["node"]))
                for e in thread["edges"]
            ],
            page_info=_page_info(thread["pageInfo"]),
        ),
    )


def _connection(d: dict[str, Any]) -> TicketConnection:
    return TicketConnection(
        edges=[TicketEdge(cursor=e.get("cursor", ""), node=_ticket(e["node"])) for e in d["edges"]],
        page_info=_page_info(d["pageInfo"]),
        total_count=d["totalCount"],
        total_count_capped=d.get("totalCountCapped", False),
    )


def load(raw: dict[str, Any]) -> Data:
    ticket = _ticket(raw["ticket"])
    return Data(
        lists={
            (viewer, int(first)): _connection(page)
            for viewer, pages in raw["lists"].items()
            for first, page in pages.items()
        },
        viewers=raw["viewers"],
        tickets={ticket.number: ticket},
        departments=[_department(d) for d in raw["departments"]],
        move_targets=[_department(d) for d in raw["move_targets"]],
        admins=[
            u for u in map(_user, (e["node"] for e in raw["admins"]["edges"])) if u is not None
        ],
        author_id=raw["author_id"],
    )


# --- the schema ---


@strawberry.type
class Query:
    @strawberry.field
    def ticket(self, number: int) -> Ticket | None:
        return DATA.tickets.get(number)

    @strawberry.field
    def tickets(
        self,
        info: strawberry.Info,
        first: int = 25,
        after: str | None = None,
        filter: TicketFilter | None = None,
        sort: TicketSort | None = None,
    ) -> TicketConnection:
        viewer = DATA.viewers.get(info.context["request"].headers.get("authorization", ""), "")
        return DATA.lists[viewer, first]

    @strawberry.field
    def departments(self) -> list[Department]:
        return DATA.departments

    @strawberry.field
    def move_targets(self) -> list[Department]:
        return DATA.move_targets

    @strawberry.field
    def users(
        self, role: Role | None = None, first: int = 50, after: str | None = None
    ) -> UserConnection:
        return UserConnection(
            edges=[UserEdge(node=user) for user in DATA.admins], page_info=_page_info({})
        )


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def reply_to_ticket(self, input: ReplyInput) -> ReplyResult:
        async with in_transaction() as connection:
            if connection.capabilities.dialect == "sqlite":
                # The write lock before the read, as the product takes it (a no-op UPDATE):
                # Tortoise's deferred BEGIN read first, and when another process (the product's
                # outbox relay) wrote between that read and the insert, SQLite refused to turn
                # the read into a write: "database is locked", the bare stack's bad answers.
                await (
                    TicketRow.filter(number=input.number)
                    .using_db(connection)
                    .update(number=F("number"))
                )
            ticket = (
                await TicketRow.select_for_update().using_db(connection).get(number=input.number)
            )
            stamp = datetime.now(UTC)
            row = await MessageRow.create(
                ticket_id=ticket.id,
                author_id=DATA.author_id,
                body=input.body,
                internal=False,
                source="web",
                created_at=stamp,
                using_db=connection,
            )
            ticket.status = "answered"
            ticket.last_activity_at = stamp
            await ticket.save(using_db=connection)
        return Message(
            id=strawberry.ID(str(row.id)),
            body=row.body,
            internal=False,
            source=MessageSource.WEB,
            created_at=stamp,
            author=None,
            attachments=[],
            body_html=row.body,
            signature=None,
            signature_html=None,
            author_contact=None,
        )


def create_app(database_url: str, *, no_document_cache: bool = False) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await Tortoise.init(
            config={
                "connections": {"default": database_url},
                "apps": {"bare": {"models": [__name__], "default_connection": "default"}},
                "use_tz": True,
                "timezone": "UTC",
            },
            _enable_global_fallback=True,
        )
        try:
            yield
        finally:
            await Tortoise.close_connections()

    async def health(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    # Parsing and validation once per document text, with Strawberry's own two extensions,
    # as any Strawberry app serving a web UI's handful of documents would (the product keeps
    # them per text too); ``--no-document-cache`` parses and validates every request.
    extensions = (
        [] if no_document_cache else [ParserCache(maxsize=256), ValidationCache(maxsize=256)]
    )
    graphql = GraphQL(strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions))
    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/healthz", health)],
        lifespan=lifespan,
    )


def main() -> None:
    global DATA
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", required=True, help="JSON: the product's answers")
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--default-gc", action="store_true", help="keep Python's collector settings"
    )
    parser.add_argument(
        "--no-document-cache",
        action="store_true",
        help="parse and validate every request (Strawberry's default without its caches)",
    )
    args = parser.parse_args()
    with open(args.data) as file:
        DATA = load(json.load(file))
    app = create_app(args.database_url, no_document_cache=args.no_document_cache)
    if not args.default_gc:  # as ``helpdesk serve`` does (app.live.runtime)
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 10)
    uvicorn.run(app, host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
