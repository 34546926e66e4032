"""Tickets: queries, mutations and live events. Parse input, call a service, shape the answer."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Annotated, Any, cast

import strawberry

from app import errors, models
from app.auth.actor import Actor
from app.infra import metrics
from app.infra.clock import now
from app.live.dispatcher import Gone, Left, LoadedEvent, may_receive, visible_message
from app.live.prepared import PreparedSender
from app.resolvers.live import guarded, refused_as_graphql, socket
from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.core.errors import mutation, to_error
from app.schema.core.ids import optional_id, parse_id
from app.schema.core.lookahead import node_fields
from app.schema.core.renders import operation_key
from app.schema.core.text_guard import check_arguments
from app.schema.ratings import Rating
from app.schema.tags import Tag
from app.schema.tickets import (
    SLA_FIELDS,
    BulkChangeInput,
    BulkUpdateResult,
    CloseTicketResult,
    Highlight,
    MergedTickets,
    MergeTicketsResult,
    Message,
    NoteInput,
    NoteResult,
    OpenTicketInput,
    OpenTicketResult,
    ReplyInput,
    ReplyResult,
    Sight,
    Ticket,
    TicketConnection,
    TicketEdge,
    TicketEvent,
    TicketEventType,
    TicketFilter,
    TicketSort,
    UpdateTicketInput,
    UpdateTicketResult,
    UploadLimits,
    filter_input,
    sort_input,
)
from app.services import bulk, merge, messages, page_extras, ticket_list, tickets
from app.services.attachments import IncomingFile


def uploads(files: list[Any] | None) -> Sequence[IncomingFile]:
    """Strawberry's Upload is Starlette's UploadFile, which reads like an IncomingFile."""
    return cast(Sequence[IncomingFile], files or ())


@strawberry.type
class TicketQueries:
    @strawberry.field(description="The attachment limits (MAX_FILE_BYTES and the others).")
    def upload_limits(self, info: Info) -> UploadLimits:
        settings = info.context.settings
        return UploadLimits(
            max_file_bytes=settings.max_file_bytes,
            max_message_bytes=settings.max_message_bytes,
            max_files_per_message=settings.max_files_per_message,
        )

    @strawberry.field(description="Null when missing or not visible: existence never leaks.")
    async def ticket(self, info: Info, number: int) -> Ticket | None:
        # A ticket page shows its department, client and assignee: joined, handed down, and
        # primed for the page's message authors.
        try:
            row = await tickets.get_ticket(actor=info.context.actor, number=number, related=True)
        except errors.NotFound:
            return None
        info.context.loaders.prime_from_tickets([row])
        return Ticket.of(row, info.context.actor)

    @strawberry.field(description="Staff: tickets of their departments. Clients: My Tickets.")
    async def tickets(
        self,
        info: Info,
        filter: TicketFilter | None = None,
        sort: TicketSort | None = None,
        first: int = 25,
        after: str | None = None,
    ) -> TicketConnection:
        order = sort_input(sort)
        list_name = f"ticket.{order.field.value}"  # a cursor holds a value of this sort
        page = await ticket_list.list_tickets(
            actor=info.context.actor,
            flt=filter_input(filter),
            sort=order,
            first=pagination.checked_first(first),
            after=pagination.decode_cursor(after, list_name),
            search_language=info.context.settings.search_language,
        )
        # Each row's department, client and assignee are handed to it (joined): the loaders
        # are not primed with them (a list document asks nothing else that loads them).
        actor = info.context.actor
        highlights = page.highlights or [None] * len(page.tickets)
        # What the rows ask for, loaded (or computed) once for the page and handed down: the
        # rows passed the policy's scope, so each row's fields need no check or await of their
        # own. The SLA fields only when asked for (a clock per row is not free).
        asked = node_fields(info)
        at, sight = now(), Sight.of(actor)
        ids = [ticket.id for ticket in page.tickets]
        # Tags and ratings in one statement when both are asked for (the staff list), read
        # for the page at once: no DataLoader future per row. A row field not asked for (or
        # not seen: the policy's sight) is handed down empty, never loaded.
        found_tags, found_ratings = await page_extras.tags_and_ratings(
            ids, tags="tags" in asked and sight.tags, ratings="rating" in asked and sight.rating
        )
        tags: list[list[Tag]] = (
            [[]] * len(ids)
            if found_tags is None
            else [[Tag.of(t) for t in found] for found in found_tags]
        )
        ratings: list[Rating | None] = (
            [None] * len(ids)
            if found_ratings is None
            else [Rating.of(found) if found is not None else None for found in found_ratings]
        )
        sla_asked = not asked.isdisjoint(SLA_FIELDS)
        return pagination.connection(
            TicketConnection,
            list_name,
            [
                Ticket.of(ticket, sight, tags=tag, rating=rating, sla_asked=sla_asked, at=at)
                for ticket, tag, rating in zip(page.tickets, tags, ratings, strict=True)
            ],
            page.keys,
            has_next=page.has_next,
            after=after,
            edge=TicketEdge,
            edge_extras=[{"highlight": Highlight.of(h) if h else None} for h in highlights],
            total_count=page.total,
            total_count_capped=page.total_capped,
        )


async def _post(
    info: Info, input: ReplyInput | NoteInput, post: Callable[..., Awaitable[messages.Posted]]
) -> Message:
    """A reply or a note: the same input, a different service."""
    posted = await post(
        actor=info.context.actor,
        settings=info.context.settings,
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
            settings=info.context.settings,
            department_id=parse_id(input.department_id, "departmentId"),
            subject=input.subject,
            body=input.body,
            priority=input.priority,
            files=uploads(input.attachments),
            client_id=optional_id(input.client_id, "clientId"),
            new_client=(
                tickets.NewClient(email=input.client_email, name=input.client_name)
                if input.client_email is not None
                else None
            ),
            source=info.context.message_source,
            ccs=input.ccs or (),
        )
        return Ticket.of(opened.ticket, info.context.actor)

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
            expected_version=input.expected_version,
        )
        return Ticket.of(ticket, info.context.actor)

    @mutation()
    async def close_ticket(self, info: Info, number: int) -> CloseTicketResult:
        return Ticket.of(
            await tickets.close_ticket(actor=info.context.actor, number=number),
            info.context.actor,
        )

    @strawberry.mutation(
        description="Staff: one change to many tickets (named, or all the filter selects, up "
        "to 1,000), each as a single update would make it; one result per ticket."
    )
    async def bulk_update_tickets(
        self,
        info: Info,
        change: BulkChangeInput,
        numbers: list[int] | None = None,
        filter: TicketFilter | None = None,
    ) -> list[BulkUpdateResult]:
        try:
            check_arguments({"change": change, "numbers": numbers, "filter": filter})
            outcomes = await bulk.bulk_update_tickets(
                actor=info.context.actor,
                change=_bulk_change(change),
                numbers=numbers,
                flt=filter_input(filter) if filter is not None else None,
                search_language=info.context.settings.search_language,
            )
        except errors.DomainError as exc:
            return [BulkUpdateResult(number=None, ticket=None, error=to_error(exc, info))]
        return [
            BulkUpdateResult(
                number=outcome.number,
                ticket=Ticket.of(outcome.ticket, info.context.actor)
                if outcome.ticket is not None
                else None,
                error=to_error(outcome.error, info) if outcome.error is not None else None,
            )
            for outcome in outcomes
        ]

    @mutation(
        description="Staff who work both: the source's thread joins the target and the source "
        "closes, merged. Tickets of different clients only with differentClients: true."
    )
    async def merge_tickets(
        self,
        info: Info,
        # "source" would clash with the resolver's own first argument in field extensions.
        source_number: Annotated[int, strawberry.argument(name="source")],
        target: int,
        different_clients: bool = False,
    ) -> MergeTicketsResult:
        merged = await merge.merge_tickets(
            actor=info.context.actor,
            source=source_number,
            target=target,
            different_clients=different_clients,
            settings=info.context.settings,
        )
        return MergedTickets(
            source=Ticket.of(merged.source, info.context.actor),
            target=Ticket.of(merged.target, info.context.actor),
        )


def _bulk_change(change: BulkChangeInput) -> bulk.BulkChange:
    status = change.status
    if change.close:
        if status is not None and status is not models.TicketStatus.CLOSED:
            raise errors.ValidationFailed.single(
                "change.close", "Close, or set another status, not both."
            )
        status = models.TicketStatus.CLOSED
    assignee = (
        tickets.UNSET
        if change.assignee_id is strawberry.UNSET
        else optional_id(change.assignee_id, "change.assigneeId")
    )
    return bulk.BulkChange(
        status=status,
        priority=change.priority,
        department_id=optional_id(change.department_id, "change.departmentId"),
        assignee_id=assignee,
        add_tags=tuple(parse_id(i, "change.addTagIds") for i in change.add_tag_ids or ()),
        remove_tags=tuple(parse_id(i, "change.removeTagIds") for i in change.remove_tag_ids or ()),
    )


def _shape(
    info: Info, loaded: LoadedEvent, message: models.Message | None, viewer: Actor | None
) -> TicketEvent:
    """The event as a payload for the full subscription pipeline, for ``viewer``'s class (what
    ``Ticket.of`` decides by: the payload is shared by the subscribers of that class)."""
    info.context.loaders = loaded.loaders  # shared by every subscriber of this event here
    return TicketEvent(
        type=loaded.signal.type,
        ticket=Ticket.of(loaded.ticket, viewer),
        _message=Message.of(message) if message is not None else None,
        shared_renders=loaded.renders,
        payload_key=message.id if message is not None else None,
    )


async def _ticket_events(
    info: Info, ticket: models.Ticket | None
) -> AsyncGenerator[TicketEvent, None]:
    live, connection = socket(info)
    raw = info._raw_info
    sender = PreparedSender.for_subscription(
        info.context.request, connection, operation_key(raw.operation, raw.variable_values)
    )
    with live.dispatcher.listen(connection, ticket=ticket) as listener:
        listener.sender = sender
        async for item in listener:
            if isinstance(item, Gone) and ticket is not None:
                # Moved where the viewer cannot follow: ends like a missing ticket.
                await tickets.get_ticket(actor=connection.actor, number=ticket.number)
            elif isinstance(item, Left) and ticket is None:
                # The list lost a ticket: the viewer refetches it (and the views' counts).
                yield TicketEvent(type=TicketEventType.LEFT, ticket=None, _message=None)
            elif isinstance(item, LoadedEvent):
                # The last check before sending.
                if connection.closing or not may_receive(connection.actor, item):
                    continue
                message = visible_message(connection.actor, item)
                payload_key = message.id if message is not None else None
                metrics.EVENTS_DELIVERED.inc()
                if sender is not None and await sender.send(item.renders, payload_key):
                    continue
                yield _shape(info, item, message, connection.actor)


@strawberry.type
class TicketSubscriptions:
    @strawberry.subscription(description="One ticket: replies, notes (staff), field changes.")
    async def ticket_events(self, info: Info, number: int) -> AsyncGenerator[TicketEvent, None]:
        _, connection = socket(info)
        ticket = await refused_as_graphql(tickets.get_ticket(actor=connection.actor, number=number))
        return guarded(_ticket_events(info, ticket))

    @strawberry.subscription(description="Every ticket the viewer may see.")
    async def ticket_list_events(self, info: Info) -> AsyncGenerator[TicketEvent, None]:
        socket(info)
        return guarded(_ticket_events(info, None))
