"""Ticket queries and mutations: parse input, call a service, shape the answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

import strawberry

from app import errors, models
from app.resolvers.ids import optional_id, parse_id
from app.schema.enums import SortDirection
from app.schema.errors import mutation, result_union
from app.schema.inputs import (
    NoteInput,
    OpenTicketInput,
    ReplyInput,
    TicketFilter,
    TicketSort,
    UpdateTicketInput,
)
from app.schema.types import Info, Message, PageInfo, Ticket, TicketConnection, TicketEdge
from app.services import messages, ticket_list, tickets
from app.services.attachments import IncomingFile

OpenTicketResult = result_union("OpenTicketResult", Ticket)
ReplyResult = result_union("ReplyResult", Message)
NoteResult = result_union("NoteResult", Message)
UpdateTicketResult = result_union("UpdateTicketResult", Ticket)
CloseTicketResult = result_union("CloseTicketResult", Ticket)


def uploads(files: list[Any] | None) -> Sequence[IncomingFile]:
    """Strawberry's Upload is Starlette's UploadFile, which reads like an IncomingFile."""
    return cast(Sequence[IncomingFile], files or ())


def _filter(value: TicketFilter | None) -> ticket_list.TicketFilter:
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
    )


def _sort(value: TicketSort | None) -> ticket_list.TicketSort:
    if value is None:
        return ticket_list.TicketSort()
    return ticket_list.TicketSort(
        field=value.field, descending=value.direction is SortDirection.DESC
    )


@strawberry.type
class TicketQueries:
    @strawberry.field(description="Null when missing or not visible: existence never leaks.")
    async def ticket(self, info: Info, number: int) -> Ticket | None:
        try:
            return Ticket.of(await tickets.get_ticket(actor=info.context.actor, number=number))
        except errors.NotFound:
            return None

    @strawberry.field(description="Staff: tickets of their departments. Clients: My Tickets.")
    async def tickets(
        self,
        info: Info,
        filter: TicketFilter | None = None,
        sort: TicketSort | None = None,
        first: int = 25,
        after: str | None = None,
    ) -> TicketConnection:
        from app.auth.policy import require_user

        require_user(info.context.actor)
        page = await ticket_list.list_tickets(
            actor=info.context.actor,
            flt=_filter(filter),
            sort=_sort(sort),
            first=first,
            after=after,
        )
        info.context.loaders.prime_from_tickets(page.tickets)
        edges = [
            TicketEdge(cursor=cursor, node=Ticket.of(ticket))
            for ticket, cursor in zip(page.tickets, page.cursors, strict=True)
        ]
        return TicketConnection(
            edges=edges,
            total_count=page.total,
            total_count_capped=page.total_capped,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=page.has_previous,
                start_cursor=page.cursors[0] if page.cursors else None,
                end_cursor=page.cursors[-1] if page.cursors else None,
            ),
        )


async def _post(
    info: Info, input: ReplyInput | NoteInput, post: Callable[..., Awaitable[messages.Posted]]
) -> Message:
    """A reply or a note: the same input, a different service."""
    posted = await post(
        actor=info.context.actor,
        number=input.number,
        body=input.body,
        files=uploads(input.attachments),
        source=info.context.message_source,
    )
    return Message.of(posted.message)


@strawberry.type
class TicketMutations:
    @mutation()
    async def open_ticket(self, info: Info, input: OpenTicketInput) -> OpenTicketResult:
        opened = await tickets.open_ticket(
            actor=info.context.actor,
            department_id=parse_id(input.department_id, "departmentId"),
            subject=input.subject,
            body=input.body,
            priority=input.priority,
            files=uploads(input.attachments),
            client_id=optional_id(input.client_id, "clientId"),
            source=info.context.message_source,
        )
        return Ticket.of(opened.ticket)

    @mutation()
    async def reply_to_ticket(self, info: Info, input: ReplyInput) -> ReplyResult:
        return await _post(info, input, messages.reply_to_ticket)

    @mutation()
    async def add_internal_note(self, info: Info, input: NoteInput) -> NoteResult:
        return await _post(info, input, messages.add_internal_note)

    @mutation()
    async def update_ticket(self, info: Info, input: UpdateTicketInput) -> UpdateTicketResult:
        assignee = (
            tickets.UNSET
            if input.assignee_id is strawberry.UNSET
            else optional_id(input.assignee_id, "assigneeId")
        )
        ticket = await tickets.update_ticket(
            actor=info.context.actor,
            number=input.number,
            status=input.status,
            priority=input.priority,
            department_id=optional_id(input.department_id, "departmentId"),
            assignee_id=assignee,
        )
        return Ticket.of(ticket)

    @mutation()
    async def close_ticket(self, info: Info, number: int) -> CloseTicketResult:
        return Ticket.of(await tickets.close_ticket(actor=info.context.actor, number=number))


__all__ = ["TicketMutations", "TicketQueries", "models"]
