"""Object types. Fields resolve relations through the context's DataLoaders."""

from __future__ import annotations

import base64
from datetime import datetime
from urllib.parse import quote

import strawberry
from strawberry import Private

from app import models
from app.auth import policy
from app.context import Context
from app.schema.enums import MessageSource, Role, TicketPriority, TicketStatus
from app.services import audit, canned, messages

Info = strawberry.Info[Context, None]


@strawberry.type
class User:
    id: strawberry.ID
    name: str
    role: Role
    _email: Private[str]
    active: bool

    @strawberry.field(description="Shown to staff and to the user themselves only.")
    def email(self, info: Info) -> str:
        actor = info.context.actor
        if actor is not None and (actor.is_staff or str(actor.user_id) == self.id):
            return self._email
        return ""

    @classmethod
    def of(cls, user: models.User) -> User:
        return cls(
            id=strawberry.ID(str(user.id)),
            name=user.name,
            role=user.role,
            _email=user.email,
            active=user.active,
        )


@strawberry.type
class Department:
    id: strawberry.ID
    name: str
    _model: Private[models.Department]

    @strawberry.field(description="The department's mail address (admins only).")
    def email(self, info: Info) -> str | None:
        return self._model.email if _is_admin(info) else None

    @strawberry.field(description="Auto-close override in days; null uses the global setting.")
    def auto_close_days(self, info: Info) -> int | None:
        return self._model.auto_close_days if _is_admin(info) else None

    @classmethod
    def of(cls, department: models.Department) -> Department:
        return cls(id=strawberry.ID(str(department.id)), name=department.name, _model=department)


def _is_admin(info: Info) -> bool:
    return info.context.actor is not None and info.context.actor.is_admin


@strawberry.type
class Attachment:
    filename: str
    content_type: str
    size: int
    _public_id: Private[str]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(self._public_id)

    @strawberry.field(description="Download link; access is checked on download.")
    def url(self, info: Info) -> str:
        base = info.context.settings.public_url.rstrip("/")
        return f"{base}/attachments/{self._public_id}/{quote(self.filename)}"

    @classmethod
    def of(cls, row: models.Attachment) -> Attachment:
        return cls(
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            _public_id=row.public_id,
        )


@strawberry.type
class Message:
    id: strawberry.ID
    body: str
    internal: bool
    source: MessageSource
    created_at: datetime
    _model: Private[models.Message]

    @strawberry.field
    async def author(self, info: Info) -> User | None:
        if self._model.author_id is None:
            return None
        user = await info.context.loaders.users.load(self._model.author_id)
        return User.of(user) if user else None

    @strawberry.field
    async def attachments(self, info: Info) -> list[Attachment]:
        rows = await info.context.loaders.attachments.load(self._model.id)
        return [Attachment.of(row) for row in rows]

    @classmethod
    def of(cls, message: models.Message) -> Message:
        return cls(
            id=strawberry.ID(str(message.id)),
            body=message.body,
            internal=message.internal,
            source=message.source,
            created_at=message.created_at,
            _model=message,
        )


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
    _actor_id: Private[int | None]

    @strawberry.field
    async def actor(self, info: Info) -> User | None:
        if self._actor_id is None:
            return None
        user = await info.context.loaders.users.load(self._actor_id)
        return User.of(user) if user else None


def _message_cursor(message_id: int) -> str:
    return base64.urlsafe_b64encode(f"m:{message_id}".encode()).decode()


def _message_after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        return int(value) if kind == "m" else None
    except ValueError:
        return None


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
    _model: Private[models.Ticket]

    @classmethod
    def of(cls, ticket: models.Ticket) -> Ticket:
        return cls(
            id=strawberry.ID(str(ticket.id)),
            number=ticket.number,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            created_at=ticket.created_at,
            last_activity_at=ticket.last_activity_at,
            closed_at=ticket.closed_at,
            _model=ticket,
        )

    @strawberry.field
    async def department(self, info: Info) -> Department:
        department = await info.context.loaders.departments.load(self._model.department_id)
        assert department is not None
        return Department.of(department)

    @strawberry.field
    async def client(self, info: Info) -> User:
        user = await info.context.loaders.users.load(self._model.client_id)
        assert user is not None
        return User.of(user)

    @strawberry.field
    async def assignee(self, info: Info) -> User | None:
        if self._model.assignee_id is None:
            return None
        user = await info.context.loaders.users.load(self._model.assignee_id)
        return User.of(user) if user else None

    @strawberry.field(description="The client-portal link, as mailed in notifications.")
    def portal_url(self, info: Info) -> str:
        base = info.context.settings.public_url.rstrip("/")
        return f"{base}/client/tickets/{self.number}"

    @strawberry.field(description="Replies in order; internal notes only for staff.")
    async def messages(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> MessageConnection:
        first = max(1, min(first, 100))
        rows, has_next = await messages.list_messages(
            actor=info.context.actor,
            ticket=self._model,
            first=first,
            after=_message_after(after),
        )
        edges = [MessageEdge(cursor=_message_cursor(m.id), node=Message.of(m)) for m in rows]
        return MessageConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(description="Who changed status, priority, department or assignee (staff).")
    async def audit_trail(self, info: Info) -> list[AuditEntry]:
        if not policy.can_see_internal(info.context.actor):
            return []
        rows = await audit.audit_trail(actor=info.context.actor, ticket=self._model)
        return [
            AuditEntry(
                field=row.field,
                old_value=row.old_value,
                new_value=row.new_value,
                created_at=row.created_at,
                _actor_id=row.actor_id,
            )
            for row in rows
        ]


@strawberry.type
class TicketEdge:
    cursor: str
    node: Ticket


@strawberry.type
class TicketConnection:
    edges: list[TicketEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(
        description="Matching tickets, counted up to 1,000 (see totalCountCapped)."
    )
    total_count_capped: bool = strawberry.field(
        description="True when more than 1,000 tickets match and totalCount stopped there."
    )


@strawberry.type
class CannedResponse:
    id: strawberry.ID
    title: str
    body: str
    _model: Private[models.CannedResponse]

    @strawberry.field
    async def department(self, info: Info) -> Department | None:
        if self._model.department_id is None:
            return None
        department = await info.context.loaders.departments.load(self._model.department_id)
        return Department.of(department) if department else None

    @strawberry.field(description="The body with placeholders filled in for a ticket.")
    async def rendered(self, info: Info, ticket_number: int) -> str:
        return await canned.render_canned(
            actor=info.context.actor, canned=self._model, number=ticket_number
        )

    @classmethod
    def of(cls, row: models.CannedResponse) -> CannedResponse:
        return cls(id=strawberry.ID(str(row.id)), title=row.title, body=row.body, _model=row)


@strawberry.type
class Session:
    token: str
    user: User


@strawberry.type(description="The password was changed; the session used stays signed in.")
class PasswordChanged:
    user: User
    revoked_sessions: int = strawberry.field(
        description="How many other sessions of the user were signed out."
    )


@strawberry.type
class ApiToken:
    id: strawberry.ID
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: models.AuthToken) -> ApiToken:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )


@strawberry.type
class NewApiToken:
    token: str = strawberry.field(description="Shown once; only a hash is kept.")
    api_token: ApiToken


@strawberry.type
class HelpdeskSettings:
    auto_close_days: int
