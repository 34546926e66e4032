"""CC and followers: who else hears of a ticket.

* CC addresses are the client's colleagues (contacts, no account): the client or staff who
  work the ticket set them (``set_ticket_ccs``), and mail that opens or answers a ticket adds
  its Cc (``MAIL_KEEP_CC``, ``app.services.contacts``). Each gets the public notifications with
  a reply address of its own; its mail replies post as that contact.
* Followers are staff who get a ticket's notifications (internal notes too) without being
  assigned (``set_following``); the policy is asked again at every delivery.

Both are audited (``cc``, ``followers``) and live (``UPDATED``; a CC change reaches the
client's page too, a follower change staff only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tortoise.exceptions import IntegrityError

from app.auth import policy
from app.auth.actor import Actor, actor_with
from app.config import Settings
from app.errors import NotFound, ValidationFailed
from app.events import EventType, event_for
from app.i18n import Msg
from app.models import Contact, Ticket, TicketFollower, User
from app.services import audit, contacts
from app.services.rows import linked_to_tickets, rows_in
from app.services.ticket_changes import ticket_changes
from app.services.tickets import get_ticket


async def set_ticket_ccs(
    *, actor: Actor | None, settings: Settings, number: int, addresses: Sequence[str]
) -> Ticket:
    """Replace the ticket's CC addresses with ``addresses`` (an empty list removes them all).
    A bad or refused address answers ``ValidationFailed`` on ``addresses`` naming it, and
    nothing changes."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_set_ccs(actor, ticket):
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
    wanted, bad = contacts.parse(addresses)
    if bad:
        shown = ", ".join(repr(b)[:80] for b in bad[:5])
        raise ValidationFailed.single(
            "addresses", Msg("Not a valid email address: {shown}.", shown=shown)
        )
    if len(wanted) > contacts.MAX_CCS:
        raise ValidationFailed.single(
            "addresses", Msg("A ticket has at most {n} CC addresses.", n=contacts.MAX_CCS)
        )
    async with ticket_changes() as change:
        ticket = await change.lock(ticket.id)
        if not policy.can_set_ccs(actor, ticket):  # moved meanwhile
            raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
        changed = await contacts.change(
            change.connection,
            actor=actor,
            ticket=ticket,
            settings=settings,
            wanted=wanted,
            replace=True,
            strict=True,
        )
        if not changed:
            ticket.version -= 1
            return ticket
        await change.save(ticket)
        change.emit(event_for(ticket, EventType.UPDATED, actor=actor.user_id, changes=("cc",)))
    return ticket


async def set_following(*, actor: Actor | None, number: int, following: bool) -> Ticket:
    """Follow (or stop following) a ticket: staff who may see it, and admins. A ticket the
    actor may not follow answers ``NotFound``, as a missing one."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_follow(actor, ticket):
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
    async with ticket_changes() as change:
        ticket = await change.lock(ticket.id)
        if not policy.can_follow(actor, ticket):
            raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")
        links = TicketFollower.filter(ticket_id=ticket.id, user_id=actor.user_id)
        exists = await links.using_db(change.connection).exists()
        if exists == following:
            ticket.version -= 1
            return ticket
        if following:
            try:
                await TicketFollower.create(
                    ticket_id=ticket.id, user_id=actor.user_id, using_db=change.connection
                )
            except IntegrityError:  # pragma: no cover - the lock makes this a race lost
                ticket.version -= 1
                return ticket
        else:
            await links.using_db(change.connection).delete()
        await audit.record(
            change.connection,
            actor=actor,
            ticket=ticket,
            field="followers",
            old=None if following else actor.name,
            new=actor.name if following else None,
        )
        await change.save(ticket)
        change.emit(
            event_for(
                ticket,
                EventType.UPDATED,
                actor=actor.user_id,
                changes=("followers",),
                internal=True,
            )
        )
    return ticket


async def ccs_for(actor: Actor | None, ticket: Ticket, found: list[Contact]) -> list[Contact]:
    """What of a ticket's CC'd contacts ``actor`` may see (all, or none)."""
    return found if policy.sees_ccs(actor, ticket) else []


async def still_following(ticket: Ticket, followers: Sequence[User]) -> list[User]:
    """Of ``followers``, those who may still see ``ticket`` (active, and staff of its
    department or admins): someone moved out of the department keeps the row, so following
    resumes if they come back, but is neither mailed nor listed meanwhile."""
    # Only staff belong to departments (``actor_with`` gives others none): read for all.
    departments = await _departments_of_staff([u.id for u in followers])
    kept = []
    for user in followers:
        actor = actor_with(user, departments.get(user.id, frozenset()))
        if user.active and policy.can_view_ticket_fields(
            actor, ticket.department_id, ticket.client_id
        ):
            kept.append(user)
    return kept


async def _departments_of_staff(user_ids: list[int]) -> dict[int, frozenset[int]]:
    """Each staff member's departments, for all of ``user_ids`` in one statement (built once
    per number of users): a ticket page's followers, however many."""
    if not user_ids:
        return {}
    rows = await rows_in(
        User,
        "departments of staff",
        lambda ids: User.filter(id__in=ids, departments__id__isnull=False).values_list(
            "id", "departments__id"
        ),
        user_ids,
    )
    found: dict[int, set[int]] = defaultdict(set)
    for user_id, department_id in rows:
        found[user_id].add(department_id)
    return {user_id: frozenset(ids) for user_id, ids in found.items()}


async def followers_of(ticket_ids: Sequence[int]) -> list[list[User]]:
    """Each ticket's followers by name, for all of ``ticket_ids`` in one query."""
    return await linked_to_tickets(
        TicketFollower, "user", User, ticket_ids, lambda user: (user.name.lower(), user.id)
    )
