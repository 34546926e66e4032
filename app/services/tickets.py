"""Opening, reading, updating and closing tickets: the lifecycle rules of the spec."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.models import Model

from app.auth import policy
from app.auth.actor import Actor, actor_for
from app.config import Settings
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.events import AccountMail, EventType, emit_account_mail, event_for
from app.i18n import Msg
from app.infra.clock import now
from app.models import (
    AuditEntry,
    Department,
    Message,
    MessageSource,
    Role,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)
from app.services import attachments, audit, contacts, markdown
from app.services.numbering import next_ticket_number
from app.services.rows import loaded, plan_of
from app.services.ticket_changes import TicketChanges, ticket_changes
from app.services.validation import MAX_SUBJECT, Checks


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks an update field that was not given (as opposed to None, which clears it)."""

MANUAL_STATUSES = frozenset(TicketStatus) - {TicketStatus.ANSWERED}


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    message: Message


async def get_ticket(*, actor: Actor | None, number: int, related: bool = False) -> Ticket:
    """The ticket if the actor may see it; NotFound otherwise, so existence never leaks.
    ``related``: with its department, client and assignee, joined in the same statement (the
    ticket page: hand-written SQL built once per dialect, and the policy's in-memory twin of
    its scope asked of the row read)."""
    if not related:
        return await find_ticket(policy.ticket_scope(actor), number=number)
    ticket = await _with_relations(number)
    if ticket is None or not policy.can_view_ticket(actor, ticket):
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
    return ticket


_RELATIONS: tuple[tuple[str, type[Model], str], ...] = (
    ("department", Department, "departments"),
    ("client", User, "users"),
    ("assignee", User, "users"),
)


async def _with_relations(number: int) -> Ticket | None:
    """The ticket with this number, its department, client and assignee loaded as
    ``select_related`` leaves them (None: no such ticket)."""
    db = Ticket._meta.db
    _, rows = await db.execute_query(_with_relations_sql(db.capabilities.dialect), [number])
    if not rows:
        return None
    (row,) = cast(Sequence[Sequence[Any]], rows)
    _, plan = plan_of(Ticket)
    ticket = loaded(Ticket, plan, row, 0, partial=False)
    start = len(plan)
    for name, model, _ in _RELATIONS:
        fields, plan = plan_of(model)
        present = row[start + fields.index("id")] is not None  # null: no assignee
        ticket.__dict__[f"_{name}"] = (
            loaded(model, plan, row, start, partial=False) if present else None
        )
        start += len(plan)
    return ticket


@functools.cache
def _with_relations_sql(dialect: str) -> str:
    def columns(model: type[Model], alias: str) -> list[str]:
        fields, _ = plan_of(model)
        projection = model._meta.fields_db_projection
        return [f'{alias}."{projection[name]}"' for name in fields]

    selected = columns(Ticket, "t")
    joins = []
    for index, (name, model, table) in enumerate(_RELATIONS):
        alias = f"r{index}"
        selected += columns(model, alias)
        joins.append(f'LEFT JOIN "{table}" {alias} ON {alias}."id"=t."{name}_id"')
    mark = "?" if dialect == "sqlite" else "$1"
    return (
        f'SELECT {",".join(selected)} FROM "tickets" t {" ".join(joins)}'
        f' WHERE t."number"={mark} LIMIT 1'
    )


async def find_ticket(scope: Q, *, number: int, related: bool = False) -> Ticket:
    """The ticket with this number among those ``scope`` (a policy scope) selects; NotFound
    otherwise, the same for a ticket out of scope as for a missing one."""
    query = Ticket.filter(scope, number=number)
    if related:
        query = query.select_related("department", "client", "assignee")
    ticket = await query.first()
    if ticket is None:
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
    return ticket


async def open_ticket(
    *,
    actor: Actor | None,
    settings: Settings,
    department_id: int | None,
    subject: str,
    body: str,
    priority: TicketPriority = TicketPriority.MEDIUM,
    source: MessageSource = MessageSource.WEB,
    files: Sequence[attachments.IncomingFile] = (),
    client_id: int | None = None,
    new_client: NewClient | None = None,
    ccs: Sequence[str] = (),
    mail_ccs: Sequence[contacts.CcAddress] = (),
) -> Opened:
    """A client opens a ticket for themselves; staff may open one on behalf of a client, an
    existing one (``client_id``) or one named by address (``new_client``: the client with that
    address, else a new one, who gets an invitation to set a password). Staff open tickets only
    in their departments, admins in any. The client is mailed as if they had opened it.
    ``ccs``: CC addresses asked for (each checked: a refused one fails the whole request);
    ``mail_ccs``: the Cc of the mail that opened it (refused ones are left out)."""
    actor = policy.require_user(actor)
    checks = Checks()
    wanted, bad = contacts.parse(ccs)
    if bad:
        checks.fail(
            "ccs", Msg("Not a valid email address: {shown}.", shown=", ".join(bad[:5])[:200])
        )
    elif len(wanted) > contacts.MAX_CCS:
        checks.fail("ccs", Msg("A ticket has at most {n} CC addresses.", n=contacts.MAX_CCS))
    subject = checks.text("subject", subject, max_chars=MAX_SUBJECT, label="Subject")
    body = checks.body("body", body)
    department = await Department.get_or_none(id=department_id) if department_id else None
    if department is None:
        checks.fail("departmentId", "Choose a department that exists.")
    if new_client is not None and not policy.opens_own_tickets(actor) and client_id is None:
        client, create = await _named_client(new_client, checks)
    else:
        client, create = await _client_for(actor, client_id, checks), None
    if department is not None and not policy.can_open_ticket_in(actor, department.id):
        checks.fail("departmentId", "Choose a department that exists.")
    checks.raise_if_any()
    assert department is not None and (client is not None or create is not None)
    prepared = await attachments.prepare(files, settings)
    body_html = await markdown.render_to_store(body)
    try:
        async with ticket_changes() as ticket_change:
            connection = ticket_change.connection
            stamp = now()
            if create is not None:
                client = await User.create(
                    name=create.name,
                    email=create.email,
                    role=Role.CLIENT,
                    created_at=stamp,
                    using_db=connection,
                )
                await audit.record_account(
                    connection, user_id=client.id, actor=actor, field="created", new=Role.CLIENT
                )
                await emit_account_mail(
                    connection,
                    AccountMail(
                        kind="invite",
                        email=client.email,
                        user=client.id,
                        requested_at=stamp.isoformat(),
                    ),
                )
            ticket = await Ticket.create(
                number=await next_ticket_number(connection, first=settings.first_ticket_number),
                subject=subject,
                department=department,
                client=client,
                priority=priority,
                status=TicketStatus.OPEN,
                created_at=stamp,
                last_activity_at=stamp,
                using_db=connection,
            )
            ticket_change.track(ticket)
            message = await add_to_thread(
                connection,
                ticket=ticket,
                author_id=actor.user_id,
                body=body,
                source=source,
                at=stamp,
                prepared=prepared,
                body_html=body_html,
            )
            for asked, strict in ((wanted, True), (list(mail_ccs), False)):
                if asked:
                    try:
                        await contacts.change(
                            connection,
                            actor=actor,
                            ticket=ticket,
                            settings=settings,
                            wanted=asked,
                            replace=False,
                            strict=strict,
                        )
                    except ValidationFailed as exc:
                        raise ValidationFailed.single("ccs", exc.message) from None
            ticket_change.emit(
                event_for(ticket, EventType.CREATED, message=message.id, actor=actor.user_id)
            )
    finally:
        await attachments.discard(prepared)
    return Opened(ticket=ticket, message=message)


async def add_to_thread(
    connection: BaseDBAsyncClient,
    *,
    ticket: Ticket,
    author_id: int | None,
    body: str,
    source: MessageSource,
    at: datetime,
    internal: bool = False,
    prepared: Sequence[attachments.PreparedFile] = (),
    signature: str | None = None,
    author_contact_id: int | None = None,
    body_html: str | None = None,
    template: str | None = None,
) -> Message:
    """Write one message (and link its prepared files) inside the caller's transaction: the
    first message of a ticket, a reply, a note or a system message. The body and signature
    are stored rendered too (``body_html``, ``signature_html``): a thread is read far more
    often than written. Callers writing what a person sent pass ``body_html`` rendered
    before their transaction (``markdown.render_to_store``), so a long text does not hold the
    database (SQLite's one writer) while it renders. ``template``: a system message's template
    and values (``system_messages``), shown in each reader's language instead of ``body``."""
    if body_html is None:
        body_html = await markdown.render_to_store(body)
    signature_html = await markdown.render_to_store(signature) if signature else None
    message = await Message.create(
        ticket=ticket,
        author_id=author_id,
        author_contact_id=author_contact_id,
        body=body,
        internal=internal,
        source=source,
        created_at=at,
        ticket_version=ticket.version,
        signature=signature,
        body_html=body_html,
        signature_html=signature_html,
        template=template,
        using_db=connection,
    )
    if prepared:
        await attachments.attach(connection, message=message, prepared=list(prepared))
    return message


@dataclass(frozen=True)
class NewClient:
    """A client named by staff opening a ticket for them: found by address, else created."""

    email: str
    name: str | None = None


async def _named_client(named: NewClient, checks: Checks) -> tuple[User | None, NewClient | None]:
    """(the existing client with that address, None) or (None, the client to create)."""
    _, address = parseaddr((named.email or "").strip())
    address = address.lower()
    if not address or "@" not in address or " " in address or len(address) > 254:
        checks.fail("clientEmail", "Enter the client's email address.")
        return None, None
    user = await User.get_or_none(email=address)
    if user is not None:
        if not policy.may_own_tickets(user):
            checks.fail("clientEmail", "That address belongs to no active client.")
            return None, None
        return user, None
    name = checks.text("clientName", named.name, max_chars=200, label="The client's name")
    return None, NewClient(email=address, name=name)


async def _client_for(actor: Actor, client_id: int | None, checks: Checks) -> User | None:
    if policy.opens_own_tickets(actor):
        return await User.get(id=actor.user_id)
    if client_id is None:
        checks.fail("clientId", "Staff opening a ticket must name the client.")
        return None
    client = await User.filter(policy.ticket_owners(), id=client_id).first()
    if client is None:
        checks.fail("clientId", "Choose a client that exists.")
    return client


@dataclass
class _Update:
    """A checked update: what changes, with the rows it names (UNSET: keep the assignee)."""

    status: TicketStatus | None
    priority: TicketPriority | None
    department: Department | None  # set only when it moves
    assignee: User | None


async def update_ticket(
    *,
    actor: Actor | None,
    number: int,
    status: TicketStatus | None = None,
    priority: TicketPriority | None = None,
    department_id: int | None = None,
    assignee_id: int | None = UNSET,
    expected_version: int | None = None,
) -> Ticket:
    """Staff change status, priority, department and assignee; each change is audited.
    With ``expected_version`` (the version the person saw), a ticket changed since answers
    ``Conflict`` naming who changed what, and nothing is changed."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_manage_ticket(actor, ticket):
        raise PermissionDenied("Only staff may change a ticket.")
    fields = UpdateFields(status, priority, department_id, assignee_id)
    return await apply_update(actor, ticket, fields, expected_version=expected_version)


@dataclass(frozen=True)
class UpdateFields:
    """What an update asks for, as given (ids unchecked; ``assignee_id`` UNSET keeps it)."""

    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    department_id: int | None = None
    assignee_id: int | None = UNSET


ExtraChange = Callable[[BaseDBAsyncClient, Ticket], Awaitable[tuple[str, ...]]]
"""More changes made under the same lock (a bulk update's tags): returns the changed fields
(changes only clients' "internal" fields, such as tags, when none of status, priority,
department or assignee changes)."""


async def apply_update(
    actor: Actor,
    ticket: Ticket,
    fields: UpdateFields,
    *,
    expected_version: int | None = None,
    extra: ExtraChange | None = None,
) -> Ticket:
    """The one update path for ``ticket`` (as the actor saw it, access checked): one
    transaction, the ticket locked, each change audited, one UPDATED or CLOSED event (and
    ASSIGNED for the new assignee's mail). Used by updateTicket and by bulk updates."""
    number = ticket.number
    update = await _checked_update(ticket, *_args(fields))
    async with ticket_changes() as ticket_change:
        connection = ticket_change.connection
        seen, ticket = ticket, await ticket_change.lock(ticket.id)
        if ticket.department_id != seen.department_id:
            # Moved meanwhile: the actor's access and the assignee are checked where it is now.
            await get_ticket(actor=actor, number=number)
            if not policy.can_manage_ticket(actor, ticket):
                raise NotFound(
                    Msg("Ticket #{number} was not found.", number=number), field="number"
                )
            update = await _checked_update(ticket, *_args(fields))
        current = ticket.version - 1
        if (
            ticket.merged_into_id is not None
            and update.status is not None
            and update.status != ticket.status
        ):
            raise Conflict(await _merged_text(actor, ticket), field="status")
        if expected_version is not None and expected_version != current:
            raise Conflict(
                await changed_since(actor, ticket, expected_version, current),
                field="expectedVersion",
            )
        previous_department = ticket.department_id
        if update.department is not None and update.assignee is UNSET:
            update.assignee = await _assignee_after_move(connection, ticket, update.department)
        changes = await _apply(connection, actor, ticket, update)
        more = await extra(connection, ticket) if extra is not None else ()
        if not changes and not more:
            ticket.version = current
            return ticket
        columns = _columns_of(changes)
        if changes:
            # Tags alone leave the last activity: it is what clients sort by.
            ticket.last_activity_at = now()
            columns.append("last_activity_at")
        await ticket_change.save(ticket, *columns)
        ticket_change.emit(
            event_for(
                ticket,
                _event_type_for(changes, ticket),
                actor=actor.user_id,
                changes=(*changes, *more),
                previous_department=previous_department if update.department else None,
                internal=not changes,
            )
        )
        if "assignee" in changes and ticket.assignee_id:
            ticket_change.emit(event_for(ticket, EventType.ASSIGNED, actor=actor.user_id))
    return ticket


async def _merged_text(actor: Actor, ticket: Ticket) -> str:
    """Why a merged ticket's status stays: it names the target when the actor may see it."""
    target = await Ticket.filter(policy.ticket_scope(actor), id=ticket.merged_into_id).first()
    if target is None:
        return Msg(
            "Ticket #{number} was merged into another ticket; it stays closed. "
            "Change that ticket instead.",
            number=ticket.number,
        )
    return Msg(
        "Ticket #{number} was merged into #{target}; it stays closed. Change that ticket instead.",
        number=ticket.number,
        target=target.number,
    )


def _args(
    fields: UpdateFields,
) -> tuple[TicketStatus | None, TicketPriority | None, int | None, int | None]:
    return fields.status, fields.priority, fields.department_id, fields.assignee_id


def _columns_of(changes: list[str]) -> list[str]:
    """The columns the audited fields ``changes`` are stored in."""
    columns = {
        "status": ["status", "closed_at"],
        "priority": ["priority"],
        "department": ["department_id"],
        "assignee": ["assignee_id"],
    }
    return [column for change in changes for column in columns[change]]


async def changed_since(actor: Actor, ticket: Ticket, version: int, current: int) -> str:
    """Who changed what on ``ticket`` after ``version``, from the audit trail and the thread:
    the text of the Conflict a stale ``expectedVersion`` answers (a merge naming the other
    ticket only if ``actor`` may see it, as the trail does)."""
    if not 0 < version < current:
        return Msg(
            "Ticket #{number} is at version {current}, not {version}; reload it and try again.",
            number=ticket.number,
            current=current,
            version=version,
        )
    entries = await audit.merges_named_as_seen(
        actor,
        await AuditEntry.filter(ticket_id=ticket.id, ticket_version__gt=version).order_by("id"),
    )
    posted = await Message.filter(ticket_id=ticket.id, ticket_version__gt=version).order_by("id")
    names = await _names({e.actor_id for e in entries} | {m.author_id for m in posted})
    what: list[str] = []
    system = Msg("The system")
    for entry in entries:
        what.append(
            audit.change_text(
                names.get(entry.actor_id, system), entry.field, entry.old_value, entry.new_value
            )
        )
    for message in posted:
        who = names.get(message.author_id, system)
        if message.internal:
            what.append(Msg("{who} added an internal note", who=who))
        else:
            what.append(Msg("{who} replied", who=who))
    summary = Msg.joined("; ", what) if what else Msg("it was changed")
    return Msg(
        "Ticket #{number} changed since you loaded it: {summary}. Your change was not applied.",
        number=ticket.number,
        summary=summary,
    )


async def _names(user_ids: set[int | None]) -> dict[int | None, str]:
    ids = [i for i in user_ids if i is not None]
    users = await User.filter(id__in=ids) if ids else []
    return {user.id: user.name for user in users}


async def _checked_update(
    ticket: Ticket,
    status: TicketStatus | None,
    priority: TicketPriority | None,
    department_id: int | None,
    assignee_id: int | None,
) -> _Update:
    """The update if every field may be set so; else ValidationFailed naming each wrong one."""
    checks = Checks()
    if status is TicketStatus.ANSWERED:
        checks.fail("status", "Answered is set automatically when staff reply.")
    department = None
    if department_id is not None and department_id != ticket.department_id:
        department = await Department.get_or_none(id=department_id)
        if department is None:
            checks.fail("departmentId", "Choose a department that exists.")
    assignee: User | None = UNSET
    if assignee_id is None:
        assignee = None
    elif assignee_id is not UNSET:
        target_department = department.id if department else ticket.department_id
        assignee = await _assignable(assignee_id, target_department, checks)
    checks.raise_if_any()
    return _Update(status=status, priority=priority, department=department, assignee=assignee)


async def _assignee_after_move(
    connection: BaseDBAsyncClient, ticket: Ticket, department: Department
) -> User | None:
    """Moving a ticket to a department its assignee cannot access unassigns it."""
    if ticket.assignee_id is None:
        return UNSET
    current = await User.get(id=ticket.assignee_id, using_db=connection)
    return UNSET if policy.can_assign_to(await actor_for(current), department.id) else None


async def _apply(
    connection: BaseDBAsyncClient, actor: Actor, ticket: Ticket, update: _Update
) -> list[str]:
    """Make each change that differs, with its audit entry; returns the changed fields."""
    changes: list[str] = []
    if update.status is not None and update.status != ticket.status:
        await set_status(connection, actor, ticket, update.status)
        changes.append("status")
    if update.priority is not None and update.priority != ticket.priority:
        await audit.record(
            connection,
            actor=actor,
            ticket=ticket,
            field="priority",
            old=ticket.priority,
            new=update.priority,
        )
        ticket.priority = update.priority
        changes.append("priority")
    if update.department is not None:
        old_department = await Department.get(id=ticket.department_id, using_db=connection)
        await audit.record(
            connection,
            actor=actor,
            ticket=ticket,
            field="department",
            old=old_department.name,
            new=update.department.name,
        )
        ticket.department_id = update.department.id
        changes.append("department")
    assignee = update.assignee
    new_assignee_id = None if assignee is UNSET or assignee is None else assignee.id
    if assignee is not UNSET and new_assignee_id != ticket.assignee_id:
        old = (
            await User.get_or_none(id=ticket.assignee_id, using_db=connection)
            if ticket.assignee_id
            else None
        )
        await audit.record(
            connection,
            actor=actor,
            ticket=ticket,
            field="assignee",
            old=old.name if old else None,
            new=assignee.name if assignee else None,
        )
        ticket.assignee_id = new_assignee_id
        changes.append("assignee")
    return changes


async def unassign_tickets(
    ticket_change: TicketChanges, actor: Actor, user: User, *, keep: Sequence[int] = ()
) -> None:
    """Unassign ``user`` from their tickets outside the departments ``keep`` (all, by default),
    each through the change path: locked in id order, audited, its version bumped."""
    query = Ticket.filter(assignee_id=user.id).using_db(ticket_change.connection)
    if keep:
        query = query.exclude(department_id__in=list(keep))
    ticket_ids: list[int] = await query.order_by("id").values_list("id", flat=True)  # type: ignore[assignment]
    for ticket_id in ticket_ids:
        ticket = await ticket_change.lock(ticket_id)
        if ticket.assignee_id != user.id or ticket.department_id in keep:
            continue  # changed before the lock
        await audit.record(
            ticket_change.connection,
            actor=actor,
            ticket=ticket,
            field="assignee",
            old=user.name,
            new=None,
        )
        ticket.assignee_id = None
        await ticket_change.save(ticket, "assignee_id")
        ticket_change.emit(
            event_for(ticket, EventType.UPDATED, actor=actor.user_id, changes=("assignee",))
        )


def _event_type_for(changes: list[str], ticket: Ticket) -> EventType:
    if "status" in changes and ticket.status is TicketStatus.CLOSED:
        return EventType.CLOSED
    return EventType.UPDATED


async def _assignable(user_id: int, department_id: int, checks: Checks) -> User | None:
    user = await User.get_or_none(id=user_id, active=True)
    if user is None or not policy.works_tickets(user):
        checks.fail("assigneeId", "Only staff can be assigned a ticket.")
        return None
    if not policy.can_assign_to(await actor_for(user), department_id):
        checks.fail("assigneeId", "That staff member has no access to the ticket's department.")
        return None
    return user


async def set_status(connection: Any, actor: Actor, ticket: Ticket, status: TicketStatus) -> None:
    """Apply a status change with its side effects (closed time) and an audit entry."""
    await audit.record(
        connection, actor=actor, ticket=ticket, field="status", old=ticket.status, new=status
    )
    ticket.status = status
    ticket.closed_at = now() if status is TicketStatus.CLOSED else None


async def close_ticket(*, actor: Actor | None, number: int) -> Ticket:
    """Close by hand: staff with access, or the ticket's own client."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_close(actor, ticket):
        raise PermissionDenied("You may not close this ticket.")
    if ticket.status is TicketStatus.CLOSED:
        return ticket
    async with ticket_changes() as ticket_change:
        seen, ticket = ticket, await ticket_change.lock(ticket.id)
        if ticket.department_id != seen.department_id:
            # Moved meanwhile: may the actor still close it where it is now?
            await get_ticket(actor=actor, number=number)
            if not policy.can_close(actor, ticket):
                raise PermissionDenied("You may not close this ticket.")
        if ticket.status is TicketStatus.CLOSED:
            ticket.version -= 1
            return ticket  # closed meanwhile
        await set_status(ticket_change.connection, actor, ticket, TicketStatus.CLOSED)
        ticket.last_activity_at = now()
        ticket_change.save_last(ticket, "status", "closed_at", "last_activity_at")
        ticket_change.emit(
            event_for(ticket, EventType.CLOSED, actor=actor.user_id, changes=("status",))
        )
    return ticket


async def reopen_status_for_reply(
    connection: Any, *, actor: Actor, ticket: Ticket, staff_reply: bool
) -> tuple[str, ...]:
    """The automatic status after a public reply: Answered for staff, Customer Reply for the
    client (which also reopens a closed ticket). Returns the changed fields."""
    status = TicketStatus.ANSWERED if staff_reply else TicketStatus.CUSTOMER_REPLY
    if ticket.status is status:
        return ()
    await set_status(connection, actor, ticket, status)
    return ("status",)


__all__ = [
    "UNSET",
    "Opened",
    "ValidationFailed",
    "close_ticket",
    "get_ticket",
    "open_ticket",
    "update_ticket",
]
