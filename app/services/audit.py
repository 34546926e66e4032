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


async def audit_trail(*, actor: Actor | None, ticket: Ticket) -> list[AuditEntry]:
    """The ticket's changes, oldest first, for staff who see it; nothing for anyone else."""
    if not policy.can_view_audit_trail(actor, ticket):
        return []
    return await AuditEntry.filter(ticket_id=ticket.id).order_by("id")
