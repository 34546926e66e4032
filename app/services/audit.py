"""The audit trail: who changed a ticket's status, priority, department or assignee."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from app.auth import policy
from app.auth.actor import SYSTEM, Actor
from app.infra.clock import now
from app.models import AuditEntry, Ticket


async def record(
    connection: BaseDBAsyncClient,
    *,
    actor: Actor,
    ticket: Ticket,
    field: str,
    old: object,
    new: object,
) -> None:
    """Record one change inside the transaction of ``ticket_changes`` that made it (so the
    ticket is locked and its ``version`` is the one the change makes)."""
    if old == new:
        return
    await AuditEntry.create(
        ticket=ticket,
        actor_id=None if actor is SYSTEM else actor.user_id,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        created_at=now(),
        ticket_version=ticket.version,
        using_db=connection,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "name", value))


async def audit_trail(
    *, actor: Actor | None, ticket: Ticket, first: int = 50, after_id: int | None = None
) -> tuple[list[AuditEntry], bool]:
    """The ticket's changes, oldest first (those after the entry ``after_id``, if given), for
    staff who see it; nothing for anyone else. Returns (page, has_next)."""
    if not policy.can_view_audit_trail(actor, ticket):
        return [], False
    query = AuditEntry.filter(ticket_id=ticket.id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    rows = await query.order_by("id").limit(first + 1)
    return rows[:first], len(rows) > first
