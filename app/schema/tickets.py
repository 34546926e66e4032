"""Tickets and their messages, attachments, audit trail and live events: the types, inputs and
enums of the ticket domain.

A page loads the relations of all its rows at once (a join, or one batch per relation) and
hands them to its types as plain values, so that their fields resolve without an await: a
field whose value is not at hand (a single ticket, a live event) answers through the
context's DataLoaders instead."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import strawberry
from strawberry import Private
from strawberry.file_uploads import Upload

from app import models
from app.auth import policy
from app.auth.actor import Actor
from app.events import EventType
from app.file_kinds import INLINE_TYPES
from app.i18n import N_, Msg
from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.core.errors import Error, result_union
from app.schema.core.ids import optional_id, parse_id
from app.schema.core.loaders import Loaders
from app.schema.core.pagination import Connection, Edge
from app.schema.core.renders import SharedRenders
from app.schema.core.resolving import (
    MISSING,
    Missing,
    current_public_url,
    deferred,
    later,
    lazily,
)
from app.schema.core.text_guard import MULTILINE
from app.schema.directory import Department, User
from app.schema.drafts import Draft
from app.schema.ratings import Rating
from app.schema.sla import SlaState
from app.schema.tags import Tag
from app.services import (
    attachments,
    audit,
    ccs,
    clients,
    contacts,
    drafts,
    merge,
    messages,
    search_highlight,
    sla,
    stored_html,
    system_messages,
    ticket_list,
)
from app.services.markdown import render_markdown_async, rendered_now

A_CLIENT = N_("a client")
"""Who a contact belongs to when the client cannot be read (a deactivated account)."""

# The stored (and service) enums are the GraphQL enums, registered here with the types that
# use them.
TicketStatus = models.TicketStatus
TicketPriority = models.TicketPriority
MessageSource = models.MessageSource
TicketSortField = ticket_list.SortField
TicketEventType = EventType
HighlightField = search_highlight.HighlightField
strawberry.enum(TicketStatus, name="TicketStatus")
strawberry.enum(TicketPriority, name="TicketPriority")
strawberry.enum(MessageSource, name="MessageSource")
strawberry.enum(TicketSortField, name="TicketSortField")
strawberry.enum(TicketEventType, name="TicketEventType")
strawberry.enum(HighlightField, name="HighlightField")


SLA_FIELDS = frozenset(
    {
        "firstResponseDueAt",
        "firstResponseAt",
        "nextResponseDueAt",
        "resolutionDueAt",
        "slaDueAt",
        "slaAtRiskAt",
        "slaBreachedAt",
        "slaState",
    }
)
"""Ticket's SLA fields as a document names them (a list computes them only when asked)."""


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.type
class Attachment:
    filename: str
    content_type: str
    size: int
    id: strawberry.ID
    url: str = strawberry.field(description="Download link; access is checked on download.")
    is_image: bool = strawberry.field(
        description="An image the browser may show (PNG, JPEG, GIF or WebP; never SVG): the "
        "thread shows it as a thumbnail from url."
    )

    @classmethod
    def of(cls, row: models.Attachment, public_url: str) -> Attachment:
        return cls(
            id=strawberry.ID(row.public_id),
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            url=attachments.download_url(
                public_url, public_id=row.public_id, filename=row.filename
            ),
            is_image=row.content_type in INLINE_TYPES,
        )


@strawberry.type(
    description="A colleague of a client CC'd on a ticket (an address, no account); shown as "
    "an author when its mail reply was posted."
)
class Contact:
    name: str
    email: str
    _label: Private[str]  # a Msg: the words around the names in the reader's language

    @strawberry.field(description='"Name <address> (contact of Client)".')
    def label(self, info: Info) -> str:
        return info.context.say(self._label)


async def _contact_by(loaders: Loaders, contact_id: int) -> Contact | None:
    row = await loaders.contacts.load(contact_id)
    if row is None:
        return None
    client = await loaders.users.load(row.client_id)
    return Contact(
        name=row.name,
        email=row.email,
        _label=contacts.label(row, client.name if client else Msg(A_CLIENT)),
    )


@strawberry.type
class Message:
    id: strawberry.ID
    body: str
    internal: bool
    source: MessageSource
    created_at: datetime
    signature: str | None = strawberry.field(
        description="The author's signature as it was when sent (staff public replies; "
        'Markdown); shown under the body, after a "-- " line in mail.'
    )
    # Plain attributes: a page hands them down (one batch each for all its messages);
    # elsewhere they are loaded through the loaders when asked for (``deferred``).
    author: User | None
    attachments: list[Attachment]
    _model: Private[models.Message]
    # Plain attributes too (a resolver method per field of a 100-message page cost more
    # than the page's queries): a value not at hand is awaited only when asked for.
    body_html: str = strawberry.field(
        description="body (Markdown, CommonMark) as sanitised HTML: the web thread shows this; "
        "raw HTML is escaped, links open in a new tab, images are links, never loaded."
    )
    signature_html: str | None = strawberry.field(
        description="signature (Markdown) as sanitised HTML, by the same renderer as bodyHtml; "
        "null when the message has none."
    )
    author_contact: Contact | None = strawberry.field(
        description="The contact who wrote it by mail (a colleague of the client CC'd on the "
        "ticket; author is then null), else null."
    )

    @classmethod
    def of(
        cls,
        message: models.Message,
        *,
        author: User | Missing | None = MISSING,
        attachments: list[Attachment] | None = None,
        shown: str | None = None,
    ) -> Message:
        """``shown``: a system message's text as the reader reads it (``system_messages``),
        in place of the stored body; its HTML is rendered for that text."""
        if shown is not None:
            html = rendered_now(shown)
            shown_html = html if html is not None else lazily(render_markdown_async, shown)
        return cls(
            id=strawberry.ID(str(message.id)),
            body=message.body if shown is None else shown,
            internal=message.internal,
            source=message.source,
            created_at=message.created_at,
            signature=message.signature,
            author=(
                deferred(_user_by, message.author_id)
                if isinstance(author, Missing) and message.author_id is not None
                else None
                if isinstance(author, Missing)
                else author
            ),
            attachments=(
                deferred(_attachments_by, message.id) if attachments is None else attachments
            ),
            _model=message,
            # Stored with the message since 0020; an older one renders (and is stored) once,
            # only if the field is asked for.
            body_html=(
                shown_html
                if shown is not None
                else message.body_html
                if message.body_html is not None
                else lazily(stored_html.body_html, message)
            ),
            signature_html=(
                None
                if not message.signature
                else message.signature_html
                if message.signature_html is not None
                else lazily(stored_html.signature_html, message)
            ),
            author_contact=(
                None
                if message.author_contact_id is None
                else deferred(_contact_by, message.author_contact_id)
            ),
        )


async def _users_by_id(info: Info, ids: Iterable[int | None]) -> dict[int, User]:
    """The users of ``ids`` (None skipped) in one batch, as GraphQL users by id."""
    wanted = sorted({i for i in ids if i is not None})
    found = await info.context.loaders.users.load_many(wanted)
    return {user.id: User.of(user) for user in found if user is not None}


@strawberry.type
class MessageConnection(Connection[Message]):
    pass


@strawberry.type
class AuditEntry:
    field: str
    old_value: str | None
    new_value: str | None
    created_at: datetime
    actor: User | None

    @classmethod
    def of(cls, row: models.AuditEntry, actor: User | None) -> AuditEntry:
        return cls(
            field=row.field,
            old_value=row.old_value,
            new_value=row.new_value,
            created_at=row.created_at,
            actor=actor,
        )


@strawberry.type
class AuditEntryConnection(Connection[AuditEntry]):
    pass


@dataclass(frozen=True, slots=True)
class Sight:
    """What a viewer sees of any ticket they may see: the policy asked once (a page's rows
    then need no check each)."""

    tags: bool
    sla: bool
    version: bool
    rating: bool

    @classmethod
    def of(cls, viewer: Actor | None) -> Sight:
        return cls(
            tags=policy.sees_tags(viewer),
            sla=policy.sees_sla(viewer),
            version=policy.sees_ticket_version(viewer),
            rating=policy.sees_ratings(viewer),
        )


@strawberry.type
class Ticket:
    id: strawberry.ID
    number: int
    subject: str
    status: TicketStatus
    priority: TicketPriority
    created_at: datetime
    last_activity_at: datetime
    closed_at: datetime | None
    # Plain attributes: a list row hands them down (its query joins them); elsewhere they are
    # loaded through the loaders when asked for (``deferred``).
    department: Department
    client: User
    assignee: User | None
    _model: Private[models.Ticket]
    # Plain attributes: what the viewer may see of them is decided once, when the ticket is
    # shaped for that viewer (``of``), not by a resolver per field and row.
    version: int | None = strawberry.field(
        description="Goes up by one with every change, internal ones included; send it as "
        "updateTicket's expectedVersion. Staff and admins only: null for clients."
    )
    tags: list[Tag] = strawberry.field(
        description="Internal tags by name (staff); always empty for clients."
    )
    # Service levels: internal, so null for clients (app.auth.policy.sees_sla).
    first_response_due_at: datetime | None = strawberry.field(
        description="Staff only: when the first response is (or was) due; null without a "
        "first-response target, and for clients."
    )
    first_response_at: datetime | None = strawberry.field(
        description="Staff only: when the first public staff reply was sent."
    )
    next_response_due_at: datetime | None = strawberry.field(
        description="Staff only: when the next response to the client's reply is due; null "
        "while no client reply waits."
    )
    resolution_due_at: datetime | None = strawberry.field(
        description="Staff only: when the ticket must be resolved; null while the clock is "
        "paused (On Hold, Answered) and without a resolution target."
    )
    sla_due_at: datetime | None = strawberry.field(
        description="Staff only: the soonest due time of the clocks running now (the list's "
        "countdown); null when none runs."
    )
    sla_at_risk_at: datetime | None = strawberry.field(
        description="Staff only: when the ticket turns (or turned) AT_RISK."
    )
    sla_breached_at: datetime | None = strawberry.field(
        description="Staff only: when the ticket first missed a target."
    )
    sla_state: SlaState | None = strawberry.field(
        description="Staff only (null for clients): the SLA state now."
    )
    rating: Rating | None = strawberry.field(
        description="The client's satisfaction rating (the latest; null: not rated). Staff "
        "who see the ticket and admins; the ticket's own client sees the rating they gave."
    )

    @classmethod
    def of(
        cls,
        ticket: models.Ticket,
        viewer: Actor | Sight | None,
        *,
        tags: list[Tag] | None = None,
        rating: Rating | Missing | None = MISSING,
        sla_asked: bool = True,
        at: datetime | None = None,
    ) -> Ticket:
        """``ticket`` as ``viewer`` sees it (a page passes the viewer's ``Sight``, asked once).
        A page hands down its rows' ``tags`` and ``rating`` (loaded in one batch each; shown
        only if the viewer's sight has them), and
        ``sla_asked=False`` when its document asks for no SLA field; ``at`` is the time SLA
        states are of (now)."""
        if isinstance(viewer, Sight):
            sight = viewer
        elif policy.can_view_ticket(viewer, ticket):
            sight = Sight.of(viewer)
        else:  # a change's answer after it took the ticket out of the viewer's sight
            sight = Sight(tags=False, sla=False, version=False, rating=False)
        if tags is None:
            tags = deferred(_tags_by, ticket.id) if sight.tags else []
        if not sight.rating:
            rating = None
        elif isinstance(rating, Missing):
            rating = deferred(_rating_by, ticket.id)
        shown = sla_asked and sight.sla
        clocks = sla.running_clocks(ticket) if shown else []
        return cls(
            id=strawberry.ID(str(ticket.id)),
            number=ticket.number,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            created_at=ticket.created_at,
            last_activity_at=ticket.last_activity_at,
            closed_at=ticket.closed_at,
            department=(
                Department.of(department)
                if isinstance(department := ticket.department, models.Department)
                else deferred(_department_by, ticket.department_id)
            ),
            client=(
                User.of(client)
                if isinstance(client := ticket.client, models.User)
                else deferred(_required_user_by, ticket.client_id)
            ),
            assignee=(
                None
                if ticket.assignee_id is None
                else User.of(assignee)
                if isinstance(assignee := ticket.assignee, models.User)
                else deferred(_user_by, ticket.assignee_id)
            ),
            _model=ticket,
            version=ticket.version if sight.version else None,
            tags=tags,
            first_response_due_at=ticket.first_response_due_at if shown else None,
            first_response_at=ticket.first_response_at if shown else None,
            next_response_due_at=ticket.next_response_due_at if shown else None,
            resolution_due_at=(
                ticket.resolution_due_at
                if shown and ticket.status is not TicketStatus.CLOSED
                else None
            ),
            sla_due_at=min((clock.due_at for clock in clocks), default=None),
            sla_at_risk_at=ticket.sla_warn_at if shown else None,
            sla_breached_at=ticket.sla_breached_at if shown else None,
            sla_state=sla.state(ticket, at, clocks=clocks) if shown else None,
            rating=rating,
        )

    @strawberry.field(
        description="The CC addresses (the client's colleagues, who get the public "
        "notifications): staff who see the ticket, admins and its client; empty otherwise."
    )
    def ccs(self, info: Info) -> list[str]:
        if not policy.sees_ccs(info.context.actor, self._model):
            return []
        return later(_ccs_of(info, self._model.id))

    @strawberry.field(
        description="The CC'd contacts with their names (as ccs: staff, admins, the client)."
    )
    def cc_contacts(self, info: Info) -> list[Contact]:
        if not policy.sees_ccs(info.context.actor, self._model):
            return []
        return later(_cc_contacts_of(info, self._model))

    @strawberry.field(description="Staff who follow the ticket (staff only; empty for clients).")
    def followers(self, info: Info) -> list[User]:
        if not policy.sees_followers_of(info.context.actor, self._model):
            return []
        return later(_followers_of(info, self._model))

    @strawberry.field(description="Whether the viewer follows the ticket (false for clients).")
    def following(self, info: Info) -> bool:
        actor = info.context.actor
        if actor is None or not policy.sees_followers_of(actor, self._model):
            return False
        return later(_follows(info, self._model.id, actor.user_id))

    @strawberry.field(
        description="The viewer's own unsent reply or note here (saveDraft), or null; never "
        "anyone else's, and only while the viewer may still send it."
    )
    async def draft(self, info: Info) -> Draft | None:
        row = await drafts.draft_for(info.context.actor, self._model)
        return Draft.of(row) if row is not None else None

    @strawberry.field(
        description="Whether this ticket was merged into another (true also when the viewer "
        "may not see that one: mergedInto is then null); nobody writes on it any more."
    )
    def merged(self) -> bool:
        return self._model.merged_into_id is not None

    @strawberry.field(
        description="The ticket this one was merged into (null if not merged, or not visible "
        "to the viewer); a merged ticket stays, closed, under its number."
    )
    def merged_into(self, info: Info) -> Ticket | None:
        if self._model.merged_into_id is None:  # most tickets: no await
            return None
        return later(_merged_into(info, self._model))

    @strawberry.field(
        description="Staff: the client's other tickets they may see (the last 10 by activity, "
        "counts by status). Null for clients."
    )
    async def client_tickets(self, info: Info) -> ClientTickets | None:
        found = await clients.client_context(actor=info.context.actor, ticket=self._model)
        if found is None:
            return None
        return ClientTickets(
            recent=[Ticket.of(row, info.context.actor) for row in found.recent],
            counts=[StatusCount(status=status, count=n) for status, n in found.counts],
            total=found.total,
        )

    @strawberry.field(description="The client-portal link, as mailed in notifications.")
    def portal_url(self, info: Info) -> str:
        base = info.context.settings.public_url.rstrip("/")
        return f"{base}/client/tickets/{self.number}"

    @strawberry.field(description="Replies in order; internal notes only for staff.")
    async def messages(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> MessageConnection:
        page = await messages.thread_page(
            actor=info.context.actor,
            ticket=self._model,
            first=pagination.checked_first(first),
            after_id=pagination.decode_id(after, "message"),
        )
        # The page and its attachments are kept by the ticket's version; the authors load
        # for this request (one batch) and are handed to every message.
        rows = page.messages
        authors = await _users_by_id(info, (row.author_id for row in rows))
        shown = await system_messages.bodies(
            actor=info.context.actor, translator=info.context.translator, messages=rows
        )
        public_url = info.context.settings.public_url
        return pagination.connection(
            MessageConnection,
            "message",
            [
                Message.of(
                    row,
                    author=authors.get(row.author_id) if row.author_id is not None else None,
                    attachments=[Attachment.of(file, public_url) for file in found],
                    shown=shown.get(row.id),
                )
                for row, found in zip(rows, page.files, strict=True)
            ],
            [[row.id] for row in rows],
            has_next=page.has_next,
            after=after,
        )

    @strawberry.field(
        description="Who changed status, priority, department or assignee, oldest first (staff)."
    )
    async def audit_trail(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> AuditEntryConnection:
        rows, has_next = await audit.audit_trail(
            actor=info.context.actor,
            ticket=self._model,
            first=pagination.checked_first(first),
            after_id=pagination.decode_id(after, "audit"),
        )
        actors = await _users_by_id(info, (row.actor_id for row in rows))
        return pagination.connection(
            AuditEntryConnection,
            "audit",
            [
                AuditEntry.of(row, actors.get(row.actor_id) if row.actor_id is not None else None)
                for row in rows
            ],
            [[row.id] for row in rows],
            has_next=has_next,
            after=after,
        )


@strawberry.type
class StatusCount:
    status: TicketStatus
    count: int


@strawberry.type(description="A client's other tickets, as far as the viewer may see them.")
class ClientTickets:
    recent: list[Ticket] = strawberry.field(description="The last 10, by last activity.")
    counts: list[StatusCount] = strawberry.field(description="Each status, in workflow order.")
    total: int


async def _merged_into(info: Info, ticket: models.Ticket) -> Ticket | None:
    target = await merge.merged_into(info.context.actor, ticket)
    return Ticket.of(target, info.context.actor) if target is not None else None


async def _rating_by(loaders: Loaders, ticket_id: int) -> Rating | None:
    row = await loaders.ticket_ratings.load(ticket_id)
    return Rating.of(row) if row is not None else None


async def _ccs_of(info: Info, ticket_id: int) -> list[str]:
    return [row.email for row in await info.context.loaders.ticket_ccs.load(ticket_id)]


async def _cc_contacts_of(info: Info, ticket: models.Ticket) -> list[Contact]:
    client = await info.context.loaders.users.load(ticket.client_id)
    client_name = client.name if client else Msg(A_CLIENT)
    return [
        Contact(name=row.name, email=row.email, _label=contacts.label(row, client_name))
        for row in await info.context.loaders.ticket_ccs.load(ticket.id)
    ]


async def _followers_of(info: Info, ticket: models.Ticket) -> list[User]:
    rows = await info.context.loaders.ticket_followers.load(ticket.id)
    return [User.of(row) for row in await ccs.still_following(ticket, rows)]


async def _follows(info: Info, ticket_id: int, user_id: int) -> bool:
    rows = await info.context.loaders.ticket_followers.load(ticket_id)
    return any(row.id == user_id for row in rows)


async def _tags_by(loaders: Loaders, ticket_id: int) -> list[Tag]:
    return [Tag.of(row) for row in await loaders.ticket_tags.load(ticket_id)]


async def _attachments_by(loaders: Loaders, message_id: int) -> list[Attachment]:
    public_url = current_public_url.get()
    return [Attachment.of(row, public_url) for row in await loaders.attachments.load(message_id)]


async def _department_by(loaders: Loaders, department_id: int) -> Department:
    department = await loaders.departments.load(department_id)
    assert department is not None
    return Department.of(department)


async def _user_by(loaders: Loaders, user_id: int) -> User | None:
    user = await loaders.users.load(user_id)
    return User.of(user) if user else None


async def _required_user_by(loaders: Loaders, user_id: int) -> User:
    user = await _user_by(loaders, user_id)
    assert user is not None
    return user


@strawberry.type(description="A piece of highlighted text; show it as text, marking matches.")
class HighlightPart:
    text: str
    matched: bool


@strawberry.type(description="Where a ticket matched a search, as plain text in parts.")
class Highlight:
    field: HighlightField
    parts: list[HighlightPart]

    @classmethod
    def of(cls, found: search_highlight.Highlight) -> Highlight:
        return cls(
            field=found.field,
            parts=[HighlightPart(text=p.text, matched=p.matched) for p in found.parts],
        )


@strawberry.type
class TicketEdge(Edge[Ticket]):
    highlight: Highlight | None = strawberry.field(
        default=None, description="Where the ticket matched the search; null without one."
    )


@strawberry.type
class TicketConnection(Connection[Ticket]):
    edges: list[TicketEdge]  # type: ignore[assignment]
    total_count: int = strawberry.field(
        description="Matching tickets, counted up to 1,000 (see totalCountCapped)."
    )
    total_count_capped: bool = strawberry.field(
        description="True when more than 1,000 tickets match and totalCount stopped there."
    )


@strawberry.type
class TicketEvent:
    type: TicketEventType
    ticket: Ticket | None = strawberry.field(
        description="The ticket as it is now; null for LEFT (a ticket of the viewer's list "
        "moved to a department they do not see: refetch the list and counts)."
    )
    _message: Private[Message | None]
    # Subscribers that would render this event identically share one execution.
    shared_renders: Private[SharedRenders | None] = None
    payload_key: Private[Hashable] = None

    @strawberry.field(
        description="The message the event is about (a reply, or a note for staff), or null."
    )
    def message(self, info: Info) -> Message | None:
        shaped = self._message
        if shaped is None or not shaped._model.template:  # most events: no await
            return shaped
        return later(_event_message(info, shaped))


async def _event_message(info: Info, shaped: Message) -> Message:
    """A system message of an event as this reader reads it (their language, and the merge
    target named only if they may see it): read through the context, so subscribers of one
    viewer class share the render only when it did not depend on who they are."""
    row = shaped._model
    shown = await system_messages.bodies(
        actor=info.context.actor, translator=info.context.translator, messages=[row]
    )
    if row.id not in shown:
        return shaped
    return Message.of(row, attachments=shaped.attachments, shown=shown[row.id])


@strawberry.enum
class TagsMatch(Enum):
    ANY = "any"
    ALL = "all"


@strawberry.input
class TicketFilter:
    status: list[TicketStatus] | None = None
    priority: list[TicketPriority] | None = None
    department_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    search: str | None = strawberry.field(
        default=None,
        description=(
            "Full text: ticket number (1012 or #1012), words of the subject or messages "
            "(internal notes for staff), client name or email. Up to 200 characters."
        ),
    )
    tags: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Tag ids, at most 50 (staff only; a client's is refused)."
    )
    sla_breached: bool = strawberry.field(
        default=False,
        description="Staff only: tickets that missed a target (BREACHED), a client's refused.",
    )
    tags_match: TagsMatch = strawberry.field(
        default=TagsMatch.ANY, description="ANY: a ticket with any of the tags; ALL: all of them."
    )
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="One client's tickets (the client page)."
    )


@strawberry.input
class TicketSort:
    field: TicketSortField = TicketSortField.LAST_ACTIVITY
    direction: SortDirection = SortDirection.DESC


def filter_input(value: TicketFilter | None) -> ticket_list.TicketFilter:
    """The list's filter input as the service takes it."""
    if value is None:
        return ticket_list.TicketFilter()
    return ticket_list.TicketFilter(
        statuses=tuple(value.status or ()),
        priorities=tuple(value.priority or ()),
        department_id=optional_id(value.department_id, "departmentId"),
        assignee_id=optional_id(value.assignee_id, "assigneeId"),
        assigned_to_me=value.assigned_to_me,
        unassigned=value.unassigned,
        search=value.search,
        tags=tuple(parse_id(tag, "filter.tags") for tag in value.tags or ()),
        tags_all=value.tags_match is TagsMatch.ALL,
        client_id=optional_id(value.client_id, "clientId"),
        sla_breached=value.sla_breached,
    )


def sort_input(value: TicketSort | None) -> ticket_list.TicketSort:
    if value is None:
        return ticket_list.TicketSort()
    return ticket_list.TicketSort(
        field=value.field, descending=value.direction is SortDirection.DESC
    )


@strawberry.input
class OpenTicketInput:
    department_id: strawberry.ID
    subject: str
    body: str = strawberry.field(metadata=MULTILINE)
    priority: TicketPriority = TicketPriority.MEDIUM
    attachments: list[Upload] | None = None
    client_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff opening a ticket on behalf of a client."
    )
    client_email: str | None = strawberry.field(
        default=None,
        description="Staff, instead of clientId: the client with this address, else a new "
        "client (named clientName) who is mailed an invitation to set a password.",
    )
    client_name: str | None = strawberry.field(
        default=None, description="The new client's name (with clientEmail)."
    )
    ccs: list[str] | None = strawberry.field(
        default=None,
        description="CC addresses (the client's colleagues, at most 10): each gets the public "
        "notifications with a reply address of its own.",
    )


@strawberry.input
class ReplyInput:
    number: int
    body: str = strawberry.field(metadata=MULTILINE)
    attachments: list[Upload] | None = None


@strawberry.input
class NoteInput:
    number: int
    body: str = strawberry.field(metadata=MULTILINE)
    attachments: list[Upload] | None = None


@strawberry.input
class UpdateTicketInput:
    number: int
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    department_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null unassigns; leave out to keep."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The ticket's version this change was made on; if it changed since, the "
        "answer is Conflict naming who changed what, and nothing is changed.",
    )


@strawberry.input(description="What a bulk action changes; leave out what stays.")
class BulkChangeInput:
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    department_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="null unassigns; leave out to keep."
    )
    add_tag_ids: list[strawberry.ID] | None = None
    remove_tag_ids: list[strawberry.ID] | None = None
    close: bool = strawberry.field(default=False, description="Close them (status CLOSED).")


@strawberry.type(
    description="One ticket's outcome of a bulk action: the ticket as it is now, or the error "
    "that left it unchanged. A refusal of the whole request comes alone, with number null."
)
class BulkUpdateResult:
    number: int | None
    ticket: Ticket | None
    error: Error | None

    @strawberry.field(description="True when the change was applied (or nothing needed to).")
    def ok(self) -> bool:
        return self.error is None


@strawberry.type
class MergedTickets:
    source: Ticket = strawberry.field(description="Closed, with mergedInto set.")
    target: Ticket


OpenTicketResult = result_union("OpenTicketResult", Ticket)
ReplyResult = result_union("ReplyResult", Message)
NoteResult = result_union("NoteResult", Message)
UpdateTicketResult = result_union("UpdateTicketResult", Ticket)
CloseTicketResult = result_union("CloseTicketResult", Ticket)
MergeTicketsResult = result_union("MergeTicketsResult", MergedTickets)
SetTicketCcsResult = result_union("SetTicketCcsResult", Ticket)
FollowTicketResult = result_union("FollowTicketResult", Ticket)


@strawberry.type(description="What one message may carry (the browser checks before uploading).")
class UploadLimits:
    max_file_bytes: int
    max_message_bytes: int
    max_files_per_message: int
