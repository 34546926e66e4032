"""Merging a duplicate ticket (the source) into another (the target).

The source's messages, notes and attachments move to the target, where the thread reads in
time order; the source is closed with a system message "merged into #N" (the target named only
to readers who may see it, "another ticket" to the others: app/services/system_messages.py) and
keeps its number: ``ticket(number: source)`` answers it with ``mergedInto``, and mail replies
to its notifications land on the target (``follow``). Both tickets are locked in id order in one
transaction, both get an audit entry, and both a MERGED event (the source's page follows to
the target). Nobody is mailed about a merge.

Tickets of different clients merge only with ``different_clients``. Then the target's client
is told nothing they could not see before: the source's messages join the target as internal
notes (staff read the whole story; the target's client sees, and is mailed, nothing of it),
the target's MERGED event is internal, and its last activity stays. The source's client keeps
the source ticket with its "merged into" message; the target is not theirs to see, so its
``mergedInto`` is null for them and their mail replies are refused with a notice.

Who else hears of it moves too (``_carry``). Followers of the source follow the target, those
the policy lets follow it (staff who may see it, admins). The source's CC'd contacts are
CC'd on the target only when both tickets have the same client (its contacts; refused
addresses and those past the target's cap of ``contacts.MAX_CCS`` left out, one ``cc`` audit
entry): a contact of another client on the target would be mailed the target client's
conversation, so across clients the CCs stay on the (closed) source and the target's CCs are
unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from app.auth import policy
from app.auth.actor import Actor, actor_for
from app.config import Settings, get_settings
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.events import EventType, event_for
from app.i18n import Msg
from app.infra.clock import now
from app.models import Message, Ticket, TicketFollower, TicketStatus, User
from app.services import audit, contacts, system_messages
from app.services.messages import add_system_message
from app.services.ticket_changes import ticket_changes
from app.services.tickets import get_ticket, set_status

MAX_HOPS = 20
"""Merged tickets followed at most this far (a target may itself be merged later)."""


@dataclass(frozen=True)
class Merged:
    source: Ticket
    target: Ticket


def _not_found(number: int, field: str) -> NotFound:
    return NotFound(Msg("Ticket #{number} was not found.", number=number), field=field)


async def _workable(actor: Actor, number: int, field: str) -> Ticket:
    try:
        ticket = await get_ticket(actor=actor, number=number)
    except NotFound:
        raise _not_found(number, field) from None
    if not policy.can_merge(actor, ticket):
        raise PermissionDenied("Only staff who work both tickets may merge them.")
    return ticket


def _check(source: Ticket, target: Ticket, different_clients: bool) -> None:
    if source.merged_into_id is not None:
        raise Conflict(
            Msg("Ticket #{number} was merged already.", number=source.number), field="source"
        )
    if target.merged_into_id is not None:
        raise Conflict(
            Msg(
                "Ticket #{number} was itself merged into another; merge into that one.",
                number=target.number,
            ),
            field="target",
        )
    if source.client_id != target.client_id and not different_clients:
        raise ValidationFailed.single(
            "differentClients",
            Msg(
                "Tickets #{source} and #{target} belong to different clients; confirm to merge "
                "them anyway (the target's client will not see the source's messages).",
                source=source.number,
                target=target.number,
            ),
        )


async def _carry(
    connection: BaseDBAsyncClient,
    *,
    actor: Actor,
    settings: Settings,
    src: Ticket,
    tgt: Ticket,
) -> tuple[str, ...]:
    """Inside the merge: the source's followers (and, same client only, its CCs) onto the
    target; the names of what changed there."""
    changed: tuple[str, ...] = ()
    if src.client_id == tgt.client_id:
        carried = [
            contacts.CcAddress(email=c.email, name=c.name)
            for c in await contacts.current(connection, src.id)
        ]
        if carried and await contacts.change(
            connection,
            actor=actor,
            ticket=tgt,
            settings=settings,
            wanted=carried,
            replace=False,
            strict=False,
        ):
            changed += ("cc",)
    links = TicketFollower.filter(ticket_id=src.id).using_db(connection)
    have = set(
        await TicketFollower.filter(ticket_id=tgt.id)
        .using_db(connection)
        .values_list("user_id", flat=True)
    )
    added: list[User] = []
    for link in await links.order_by("user_id"):
        if link.user_id in have:
            continue
        user = await User.get(id=link.user_id, using_db=connection)
        if user.active and policy.can_follow(await actor_for(user), tgt):
            added.append(user)
    if added:
        await TicketFollower.bulk_create(
            [TicketFollower(ticket_id=tgt.id, user_id=user.id) for user in added],
            using_db=connection,
        )
        await audit.record(
            connection,
            actor=actor,
            ticket=tgt,
            field="followers",
            old=None,
            new=", ".join(user.name for user in added),
        )
        changed += ("followers",)
    return changed


async def merge_tickets(
    *,
    actor: Actor | None,
    source: int,
    target: int,
    different_clients: bool = False,
    settings: Settings | None = None,
) -> Merged:
    actor = policy.require_user(actor)
    settings = settings or get_settings()
    if source == target:
        raise ValidationFailed.single("target", "A ticket cannot be merged into itself.")
    seen_source = await _workable(actor, source, "source")
    seen_target = await _workable(actor, target, "target")
    _check(seen_source, seen_target, different_clients)
    async with ticket_changes() as change:
        connection = change.connection
        locked = {}
        for ticket_id in sorted((seen_source.id, seen_target.id)):
            locked[ticket_id] = await change.lock(ticket_id)
        src, tgt = locked[seen_source.id], locked[seen_target.id]
        # Changed meanwhile: access and the rules are checked on the tickets as they are now.
        if not policy.can_merge(actor, src):
            raise _not_found(source, "source")
        if not policy.can_merge(actor, tgt):
            raise _not_found(target, "target")
        _check(src, tgt, different_clients)
        same_client = src.client_id == tgt.client_id
        moved = Message.filter(ticket_id=src.id).using_db(connection)
        latest = await moved.order_by("-created_at").first()
        if same_client:
            await moved.update(ticket_id=tgt.id)
        else:
            await moved.update(ticket_id=tgt.id, internal=True)
        stamp = now()
        # The notice names the target only to readers who may see it (system_messages).
        await add_system_message(
            connection, ticket=src, text=system_messages.merged_into(tgt), at=stamp
        )
        await add_system_message(
            connection, ticket=tgt, text=system_messages.merged_from(src), at=stamp, internal=True
        )
        await audit.record(
            connection, actor=actor, ticket=src, field="merged into", old=None, new=f"#{tgt.number}"
        )
        await audit.record(
            connection, actor=actor, ticket=tgt, field="merged", old=None, new=f"#{src.number}"
        )
        carried = await _carry(connection, actor=actor, settings=settings, src=src, tgt=tgt)
        columns = ["merged_into_id", "last_activity_at"]
        if src.status is not TicketStatus.CLOSED:
            await set_status(connection, actor, src, TicketStatus.CLOSED)
            columns += ["status", "closed_at"]
        src.merged_into_id = tgt.id
        src.last_activity_at = stamp
        await change.save(src, *columns)
        target_columns: list[str] = []
        if same_client and latest is not None and latest.created_at > tgt.last_activity_at:
            tgt.last_activity_at = latest.created_at
            target_columns.append("last_activity_at")
        await change.save(tgt, *target_columns)
        change.emit(
            event_for(src, EventType.MERGED, actor=actor.user_id, changes=("mergedInto",)),
            event_for(
                tgt,
                EventType.MERGED,
                actor=actor.user_id,
                changes=("messages", *carried),
                internal=not same_client,
            ),
        )
    return Merged(source=src, target=tgt)


async def follow(ticket: Ticket) -> Ticket:
    """The ticket a merged ticket's conversation continues on (itself, if not merged)."""
    hops = 0
    while ticket.merged_into_id is not None and hops < MAX_HOPS:
        target = await Ticket.get_or_none(id=ticket.merged_into_id)
        if target is None:
            break
        ticket, hops = target, hops + 1
    return ticket


async def merged_into(actor: Actor | None, ticket: Ticket) -> Ticket | None:
    """The ticket ``ticket`` was merged into, if the actor may see it (else None)."""
    if ticket.merged_into_id is None:
        return None
    return await Ticket.filter(policy.ticket_scope(actor), id=ticket.merged_into_id).first()
