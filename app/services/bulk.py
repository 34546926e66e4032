"""Bulk actions: one change (status, priority, department, assignee, tags, close) applied to
many tickets, each through the single update's path (``tickets.apply_update``).

Every ticket is its own transaction under its own lock, with the rules, audit entries, live
event and notifications of a single update; one ticket refused (not visible, a rule broken)
does not stop the others, and its result says why. A ticket the actor may not see answers
NotFound exactly like a missing number. What is wrong with the request itself (no change, too
many tickets, a department or tag that does not exist) is refused before anything changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from app.auth import policy
from app.auth.actor import Actor
from app.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import Msg
from app.models import Department, Tag, Ticket, TicketPriority, TicketStatus
from app.services import tags, ticket_list
from app.services.tickets import UNSET, UpdateFields, apply_update, get_ticket
from app.services.validation import Checks

MAX_BULK = 1_000
"""Tickets one bulk action may change (named, or "all matching this filter")."""


@dataclass(frozen=True)
class BulkChange:
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    department_id: int | None = None
    assignee_id: int | None = UNSET  # None unassigns
    add_tags: tuple[int, ...] = ()
    remove_tags: tuple[int, ...] = ()

    @property
    def empty(self) -> bool:
        return (
            self.status is None
            and self.priority is None
            and self.department_id is None
            and self.assignee_id is UNSET
            and not self.add_tags
            and not self.remove_tags
        )


@dataclass(frozen=True)
class BulkOutcome:
    """One ticket's result: the ticket as it is now, or why it was not changed. ``number`` is
    None for a refusal of the whole request (then it is the only outcome)."""

    number: int | None
    ticket: Ticket | None = None
    error: DomainError | None = None


async def bulk_update_tickets(
    *,
    actor: Actor | None,
    change: BulkChange,
    numbers: Sequence[int] | None = None,
    flt: ticket_list.TicketFilter | None = None,
    search_language: str = "english",
) -> list[BulkOutcome]:
    """Apply ``change`` to the tickets ``numbers`` names, or to every ticket ``flt`` selects
    for the actor (at most ``MAX_BULK``); one outcome per ticket, in the order given."""
    actor = policy.require_user(actor)
    if not policy.can_change_in_bulk(actor):
        raise PermissionDenied("Only staff may change tickets in bulk.")
    wanted = await _checked(actor, change, numbers, flt)
    adding, removing = await _tags(change)
    if flt is not None:
        found = await ticket_list.matching_numbers(
            actor=actor, flt=flt, limit=MAX_BULK, search_language=search_language
        )
        if found is None:
            raise ValidationFailed.single(
                "filter",
                Msg("More than {n} tickets match; narrow the filter.", n=format(MAX_BULK, ",")),
            )
        wanted = found
    fields = UpdateFields(
        status=change.status,
        priority=change.priority,
        department_id=change.department_id,
        assignee_id=change.assignee_id,
    )
    outcomes: list[BulkOutcome] = []
    for number in wanted:
        try:
            ticket = await _update_one(actor, number, fields, adding, removing)
        except DomainError as exc:
            outcomes.append(BulkOutcome(number=number, error=exc))
        else:
            outcomes.append(BulkOutcome(number=number, ticket=ticket))
    return outcomes


async def _checked(
    actor: Actor,
    change: BulkChange,
    numbers: Sequence[int] | None,
    flt: ticket_list.TicketFilter | None,
) -> list[int]:
    """The request's own checks; the numbers to change, without repeats, in the order given."""
    checks = Checks()
    if numbers is None and flt is None:
        checks.fail("numbers", "Name the tickets, or give a filter.")
    elif numbers is not None and flt is not None:
        checks.fail("numbers", "Name the tickets, or give a filter, not both.")
    wanted = list(dict.fromkeys(numbers or ()))
    if numbers is not None and not wanted:
        checks.fail("numbers", "Choose at least one ticket.")
    if len(wanted) > MAX_BULK:
        checks.fail(
            "numbers", Msg("Choose at most {n} tickets at a time.", n=format(MAX_BULK, ","))
        )
    if change.empty:
        checks.fail("change", "Choose a change to make.")
    if change.status is TicketStatus.ANSWERED:
        checks.fail("change.status", "Answered is set automatically when staff reply.")
    if (
        change.department_id is not None
        and not await Department.filter(
            policy.move_target_scope(actor), id=change.department_id
        ).exists()
    ):
        checks.fail("change.departmentId", "Choose a department that exists.")
    checks.raise_if_any()
    return wanted


async def _tags(change: BulkChange) -> tuple[list[Tag], list[Tag]]:
    try:
        adding = await tags.existing_tags(change.add_tags) if change.add_tags else []
        removing = await tags.existing_tags(change.remove_tags) if change.remove_tags else []
    except ValidationFailed as exc:
        raise ValidationFailed.single("change.tags", exc.message) from None
    return adding, removing


async def _update_one(
    actor: Actor,
    number: int,
    fields: UpdateFields,
    adding: Sequence[Tag],
    removing: Sequence[Tag],
) -> Ticket:
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_manage_ticket(actor, ticket):
        raise NotFound(Msg("Ticket #{number} was not found.", number=number), field="number")

    async def retag(connection: BaseDBAsyncClient, locked: Ticket) -> tuple[str, ...]:
        if not (adding or removing):
            return ()
        changed = await tags.retag(connection, actor, locked, adding, removing)
        return ("tags",) if changed else ()

    return await apply_update(actor, ticket, fields, extra=retag)
