"""Input types of the mutations and the ticket list."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from app.schema.enums import Role, SortDirection, TicketPriority, TicketSortField, TicketStatus
from app.schema.text_guard import MULTILINE


@strawberry.input
class TicketFilter:
    status: list[TicketStatus] | None = None
    priority: list[TicketPriority] | None = None
    department_id: strawberry.ID | None = None
    assignee_id: strawberry.ID | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    search: str | None = strawberry.field(default=None, description="Text in the subject.")


@strawberry.input
class TicketSort:
    field: TicketSortField = TicketSortField.LAST_ACTIVITY
    direction: SortDirection = SortDirection.DESC


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


@strawberry.input
class CreateDepartmentInput:
    name: str
    email: str | None = None
    auto_close_days: int | None = None


@strawberry.input
class UpdateDepartmentInput:
    id: strawberry.ID
    name: str | None = None
    email: str | None = None
    auto_close_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="null returns to the global setting."
    )


@strawberry.input
class CreateUserInput:
    name: str
    email: str
    role: Role
    password: str | None = None
    department_ids: list[strawberry.ID] | None = None


@strawberry.input
class UpdateUserInput:
    id: strawberry.ID
    name: str | None = None
    email: str | None = None
    role: Role | None = None
    password: str | None = None
    department_ids: list[strawberry.ID] | None = None
    active: bool | None = None


@strawberry.input
class CannedResponseInput:
    title: str
    body: str = strawberry.field(metadata=MULTILINE)
    department_id: strawberry.ID | None = None
