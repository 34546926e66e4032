"""Replies and internal notes, and who may read which."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from app.auth import policy
from app.auth.actor import SYSTEM, Actor
from app.config import Settings
from app.errors import Conflict, NotFound, PermissionDenied
from app.events import EventType, event_for
from app.i18n import Msg
from app.infra.clock import now
from app.models import Attachment, Contact, Message, MessageSource, Ticket, TicketStatus
from app.services import attachments, contacts, drafts, markdown, system_messages
from app.services.rows import models_of
from app.services.system_messages import SystemText
from app.services.thread_cache import ThreadPage, threads
from app.services.ticket_changes import TicketChanges, ticket_changes
from app.services.tickets import add_to_thread, find_ticket, reopen_status_for_reply
from app.services.validation import Checks


@dataclass(frozen=True)
class Posted:
    ticket: Ticket
    message: Message


async def reply_to_ticket(
    *,
    actor: Actor | None,
    settings: Settings,
    number: int,
    body: str,
    source: MessageSource = MessageSource.WEB,
    files: Sequence[attachments.IncomingFile] = (),
    mail_ccs: Sequence[contacts.CcAddress] = (),
) -> Posted:
    """A public reply. Staff replies set Answered; client replies set Customer Reply and
    reopen a closed ticket. ``mail_ccs``: the Cc of the mail it came in (added to the
    ticket's CC addresses, refused ones left out)."""
    return await _post(
        actor=policy.require_user(actor),
        settings=settings,
        number=number,
        body=body,
        internal=False,
        source=source,
        files=files,
        mail_ccs=mail_ccs,
    )


async def add_internal_note(
    *,
    actor: Actor | None,
    settings: Settings,
    number: int,
    body: str,
    source: MessageSource = MessageSource.WEB,
    files: Sequence[attachments.IncomingFile] = (),
) -> Posted:
    """A note for staff only; it changes nothing the client can see."""
    return await _post(
        actor=policy.require_user(actor),
        settings=settings,
        number=number,
        body=body,
        internal=True,
        source=source,
        files=files,
    )


def _check_may_post(actor: Actor, ticket: Ticket | None, number: int, *, internal: bool) -> Ticket:
    """``ticket`` if ``actor`` may post there: NotFound if they may not see it (the same as for
    a missing one, so existence never leaks), PermissionDenied if they may see it only."""
    if ticket is None or not policy.can_view_ticket(actor, ticket):
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
    if internal and not policy.can_add_note(actor, ticket):
        raise PermissionDenied("Only staff may add internal notes.")
    if not internal and not policy.can_reply(actor, ticket):
        raise PermissionDenied("You may not reply to this ticket.")
    return ticket


async def add_system_message(
    connection: BaseDBAsyncClient,
    *,
    ticket: Ticket,
    text: SystemText,
    at: datetime | None = None,
    internal: bool = False,
) -> Message:
    """A message written by the system (auto-close, merge), public unless ``internal``: stored
    as its template (shown in each reader's language) and its English text for search."""
    return await add_to_thread(
        connection,
        ticket=ticket,
        author_id=None,
        body=system_messages.stored_body(text),
        source=MessageSource.SYSTEM,
        at=at or now(),
        internal=internal,
        template=text.dumps(),
    )


async def add_system_note(*, ticket_id: int, text: SystemText) -> Message:
    """An internal note by the system (staff only; live to staff, mailed as notes are): what
    the mail intake kept for staff without acting on it."""
    async with ticket_changes() as change:
        locked = await change.lock(ticket_id)
        message = await add_system_message(
            change.connection, ticket=locked, text=text, internal=True
        )
        await change.save(locked)
        change.emit(
            event_for(locked, EventType.NOTE_ADDED, message=message.id, internal=True, actor=None)
        )
    return message


async def _merged_away(
    actor: Actor, ticket: Ticket, connection: BaseDBAsyncClient | None = None
) -> Conflict:
    """The refusal to write on a merged ticket: "write there" only to whom may see the target;
    the others (a client whose ticket went into another client's) are told to open a new one,
    as the mail path tells them, without a word about the target."""
    target = Ticket.filter(policy.ticket_scope(actor), id=ticket.merged_into_id)
    if connection is not None:
        target = target.using_db(connection)
    if await target.exists():
        return Conflict(
            Msg(
                "Ticket #{number} was merged into another ticket; write there.",
                number=ticket.number,
            ),
            field="number",
        )
    return Conflict(
        Msg(
            "Ticket #{number} was merged into another conversation; please open a new ticket.",
            number=ticket.number,
        ),
        field="number",
    )


async def _post(
    *,
    actor: Actor,
    settings: Settings,
    number: int,
    body: str,
    internal: bool,
    source: MessageSource,
    files: Sequence[attachments.IncomingFile],
    mail_ccs: Sequence[contacts.CcAddress] = (),
) -> Posted:
    """The ticket is read once, as its row is locked, and the actor's access asked of the policy
    then; the answers come in the order they always did: not found or not allowed, merged, then
    what is wrong with the text. Files are stored before the change's transaction, so a message
    with files reads the ticket first (nothing is stored for a ticket the actor may not write
    on)."""
    checks = Checks()
    body = checks.body("body", body)
    prepared: list[attachments.PreparedFile] = []
    if files:
        ticket = _check_may_post(
            actor,
            await find_ticket(policy.ticket_scope(actor), number=number),
            number,
            internal=internal,
        )
        if ticket.merged_into_id is not None:
            raise await _merged_away(actor, ticket)
        checks.raise_if_any()
        prepared = await attachments.prepare(files, settings)
    body_html = await markdown.render_to_store(body) if not checks.errors else ""
    try:
        async with ticket_changes() as ticket_change:
            connection = ticket_change.connection
            signs = not internal and source is not MessageSource.EMAIL
            found, signature = await ticket_change.lock_number(
                number,
                signature_of=actor.user_id if signs and policy.signs_replies(actor) else None,
            )
            locked = _check_may_post(actor, found, number, internal=internal)
            if locked.merged_into_id is not None:
                raise await _merged_away(actor, locked, connection)
            checks.raise_if_any()
            was_closed = locked.status is TicketStatus.CLOSED
            stamp = now()
            message = await add_to_thread(
                connection,
                ticket=locked,
                author_id=actor.user_id,
                body=body,
                internal=internal,
                source=source,
                at=stamp,
                prepared=prepared,
                signature=signature,
                body_html=body_html,
            )
            # What the sender was writing here is sent: their draft goes with this commit.
            await drafts.discard_on_send(connection, user_id=actor.user_id, ticket_id=locked.id)
            changes: tuple[str, ...] = ()
            if internal:
                ticket_change.save_last(locked)  # a note changes nothing but the version
            else:
                changes = await _replied(
                    ticket_change,
                    locked,
                    actor=actor,
                    staff_reply=policy.works_tickets(actor),
                    at=stamp,
                    settings=settings,
                    mail_ccs=mail_ccs,
                )
            ticket_change.emit(
                event_for(
                    locked,
                    EventType.NOTE_ADDED if internal else EventType.MESSAGE_ADDED,
                    message=message.id,
                    internal=internal,
                    actor=actor.user_id,
                    changes=changes,
                )
            )
            if was_closed and locked.status is not TicketStatus.CLOSED:
                ticket_change.emit(event_for(locked, EventType.REOPENED, actor=actor.user_id))
    finally:
        await attachments.discard(prepared)
    return Posted(ticket=locked, message=message)


async def _replied(
    ticket_change: TicketChanges,
    ticket: Ticket,
    *,
    actor: Actor,
    staff_reply: bool,
    at: datetime,
    settings: Settings,
    mail_ccs: Sequence[contacts.CcAddress],
) -> tuple[str, ...]:
    """What a public reply changes on its locked ``ticket``: the status (reopening a closed
    one), the last activity, and the CCs its mail named; the names of the changed fields."""
    connection = ticket_change.connection
    changes = await reopen_status_for_reply(
        connection, actor=actor, ticket=ticket, staff_reply=staff_reply
    )
    ticket.last_activity_at = at
    columns = ("status", "closed_at") if changes else ()
    ticket_change.save_last(ticket, "last_activity_at", *columns)
    if mail_ccs and await contacts.change(
        connection,
        actor=actor,
        ticket=ticket,
        settings=settings,
        wanted=mail_ccs,
        replace=False,
        strict=False,
    ):
        changes = (*changes, "cc")
    return changes


async def reply_as_contact(
    *,
    contact: Contact,
    settings: Settings,
    ticket: Ticket,
    body: str,
    files: Sequence[attachments.IncomingFile] = (),
    mail_ccs: Sequence[contacts.CcAddress] = (),
) -> Posted:
    """A mail reply by a contact CC'd on ``ticket`` (the mail intake proved the sender): a
    public message authored by the contact, on the client's side (Customer Reply, reopening a
    closed ticket). A contact no longer CC'd there answers ``PermissionDenied``. The Cc of its
    mail (``mail_ccs``) adds nobody: only the client and staff add CCs
    (``policy.contact_may_add_ccs``)."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            Msg("Ticket #{number} was merged into another ticket.", number=ticket.number),
            field="number",
        )
    checks = Checks()
    body = checks.body("body", body)
    checks.raise_if_any()
    prepared = await attachments.prepare(files, settings)
    body_html = await markdown.render_to_store(body)
    try:
        async with ticket_changes() as ticket_change:
            connection = ticket_change.connection
            locked = await ticket_change.lock(ticket.id)
            cc_now = contact.id in {c.id for c in await contacts.current(connection, locked.id)}
            if not policy.contact_may_reply(contact.client_id, locked, cc_now=cc_now):
                raise PermissionDenied("This address is no longer copied on the ticket.")
            if locked.merged_into_id is not None:
                raise Conflict(
                    Msg("Ticket #{number} was merged into another ticket.", number=locked.number),
                    field="number",
                )
            was_closed = locked.status is TicketStatus.CLOSED
            stamp = now()
            message = await add_to_thread(
                connection,
                ticket=locked,
                author_id=None,
                author_contact_id=contact.id,
                body=body,
                source=MessageSource.EMAIL,
                at=stamp,
                prepared=prepared,
                body_html=body_html,
            )
            # The contact writes for the client's side; the status change is the system's.
            changes = await _replied(
                ticket_change,
                locked,
                actor=SYSTEM,
                staff_reply=False,
                at=stamp,
                settings=settings,
                mail_ccs=mail_ccs if policy.contact_may_add_ccs() else (),
            )
            ticket_change.emit(
                event_for(
                    locked,
                    EventType.MESSAGE_ADDED,
                    message=message.id,
                    changes=changes,
                    contact=contact.id,
                )
            )
            if was_closed and locked.status is not TicketStatus.CLOSED:
                ticket_change.emit(event_for(locked, EventType.REOPENED))
    finally:
        await attachments.discard(prepared)
    return Posted(ticket=locked, message=message)


async def list_messages(
    *, actor: Actor | None, ticket: Ticket, first: int = 50, after_id: int | None = None
) -> tuple[list[Message], bool]:
    """Messages in time order (those after the message ``after_id``, if given); internal notes
    only for staff; nothing for one who does not see the ticket (a change of theirs moved it
    out of their departments). Returns (page, has_next)."""
    if not policy.can_view_ticket(actor, ticket):
        return [], False
    query = Message.filter(policy.message_scope(actor), ticket_id=ticket.id)
    if after_id is not None:
        # Time order, then id: messages merged in from another ticket keep their ids.
        after = await Message.filter(ticket_id=ticket.id, id=after_id).first()
        if after is None:
            query = query.filter(id__gt=after_id)
        else:
            query = query.filter(
                Q(created_at__gt=after.created_at) | Q(created_at=after.created_at, id__gt=after_id)
            )
    rows = await models_of(query.order_by("created_at", "id").limit(first + 1))
    return rows[:first], len(rows) > first


async def thread_page(
    *, actor: Actor | None, ticket: Ticket, first: int = 50, after_id: int | None = None
) -> ThreadPage:
    """``list_messages`` with each message's attachments, kept in the process by the ticket's
    version (``app.services.thread_cache``): ``ticket`` must have been read from the database
    (its version) before this is called, as every resolver's ticket is."""
    if not policy.can_view_ticket(actor, ticket):  # not kept: the key does not tell it apart
        return ThreadPage(messages=[], has_next=False, files=[])
    # A ticket read in part (``only``) may lack its version: such a page is read, not kept.
    key = (
        None
        if ticket._partial
        else (ticket.id, ticket.version, policy.message_scope_key(actor), first, after_id)
    )
    kept = threads.get(key) if key is not None else None
    if kept is not None:
        return kept
    rows, has_next = await list_messages(actor=actor, ticket=ticket, first=first, after_id=after_id)
    grouped: dict[int, list[Attachment]] = {row.id: [] for row in rows}
    if rows:
        query = Attachment.filter(message_id__in=list(grouped)).order_by("id")
        for file in await models_of(query):
            grouped[file.message_id].append(file)
    page = ThreadPage(messages=rows, has_next=has_next, files=[grouped[row.id] for row in rows])
    if key is not None:
        threads.put(key, page)
    return page
