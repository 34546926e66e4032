"""The audit trails: who changed a ticket's status, priority, department or assignee, and who
changed a user's account (name, email, role, password, access)."""

from __future__ import annotations

import copy

from tortoise.backends.base.client import BaseDBAsyncClient

from app.auth import policy
from app.auth.actor import SYSTEM, Actor
from app.i18n import Msg
from app.infra.clock import now
from app.models import AccountAudit, AuditEntry, Ticket
from app.services.rows import models_of
from app.services.thread_cache import AuditPage, threads


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


FIELD_LABELS = {
    "status": Msg("Status"),
    "priority": Msg("Priority"),
    "department": Msg("Department"),
    "assignee": Msg("Assignee"),
    "tags": Msg("Tags"),
    "cc": Msg("CC"),
    "followers": Msg("Followers"),
    "merged": Msg("Merged in"),
    "merged into": Msg("Merged into"),
}
VALUE_LABELS = {
    "status": {
        "OPEN": Msg("Open"),
        "ANSWERED": Msg("Answered"),
        "CUSTOMER_REPLY": Msg("Customer Reply"),
        "IN_PROGRESS": Msg("In Progress"),
        "ON_HOLD": Msg("On Hold"),
        "CLOSED": Msg("Closed"),
    },
    "priority": {
        "LOW": Msg("Low"),
        "MEDIUM": Msg("Medium"),
        "HIGH": Msg("High"),
        "URGENT": Msg("Urgent"),
    },
}


def field_label(field: str) -> str:
    """A ticket field as people read it ("Priority"), translated where it is shown; a field
    without a label by its name."""
    return FIELD_LABELS.get(field, field)


def value_label(field: str, value: str | None) -> str:
    """A recorded value as people read it (a status or priority by its label, "none" for no
    value); names and addresses as they are."""
    if not value:
        return Msg("none")
    return VALUE_LABELS.get(field, {}).get(value.upper(), value)


def change_text(who: str, field: str, old: str | None, new: str | None) -> str:
    """One entry as a sentence: "Ada changed Status from Open to Closed". A merge is no change
    from one value to another: "Ada merged ticket #1001 into this one" on the ticket merged
    into, "Ada merged this ticket into #1000" on the one merged."""
    if field == "merged":
        if not new:  # a ticket the reader may not see (``merges_named_as_seen``)
            return Msg("{who} merged another ticket into this one", who=who)
        return Msg("{who} merged ticket {source} into this one", who=who, source=new)
    if field == "merged into":
        if not new:
            return Msg("{who} merged this ticket into another ticket", who=who)
        return Msg("{who} merged this ticket into {target}", who=who, target=new)
    return Msg(
        "{who} changed {field} from {old} to {new}",
        who=who,
        field=field_label(field),
        old=value_label(field, old),
        new=value_label(field, new),
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
    # Kept by the ticket's version, as thread pages are (``app.services.thread_cache``): every
    # entry is written by a change that raises it. A ticket read in part may lack its version.
    key = None if ticket._partial else ("audit", ticket.id, ticket.version, first, after_id)
    kept: AuditPage | None = threads.get(key) if key is not None else None
    if kept is None:
        query = AuditEntry.filter(ticket_id=ticket.id)
        if after_id is not None:
            query = query.filter(id__gt=after_id)
        rows = await models_of(query.order_by("id").limit(first + 1))
        kept = AuditPage(entries=rows[:first], has_next=len(rows) > first)
        if key is not None:
            threads.put(key, kept)
    return await merges_named_as_seen(actor, kept.entries), kept.has_next


MERGE_FIELDS = ("merged into", "merged")
"""Audit fields whose value is the other ticket of a merge ("#N")."""


async def merges_named_as_seen(actor: Actor | None, entries: list[AuditEntry]) -> list[AuditEntry]:
    """``entries`` with the other ticket of each merge named only if ``actor`` may see it
    (else its value is None: "merged into another ticket"), as the merge notice in the thread
    does. One query, only for a page with a merge; the kept page is shared, so it is copied."""
    numbers = {_number(e.new_value) for e in entries if e.field in MERGE_FIELDS} - {None}
    if not numbers:
        return entries
    seen = set(
        await Ticket.filter(policy.ticket_scope(actor), number__in=sorted(numbers)).values_list(
            "number", flat=True
        )
    )
    shown = []
    for entry in entries:
        if entry.field in MERGE_FIELDS and _number(entry.new_value) not in seen:
            entry = copy.copy(entry)
            entry.new_value = None
        shown.append(entry)
    return shown


def _number(value: str | None) -> int | None:
    digits = (value or "").removeprefix("#")
    return int(digits) if digits.isdigit() else None


async def record_account(
    connection: BaseDBAsyncClient | None,
    *,
    user_id: int,
    actor: Actor | None,
    field: str,
    old: object = None,
    new: object = None,
) -> None:
    """One line of a user's account audit (never a password: only that it was set, and how)."""
    if old == new:
        return
    old_text, new_text = _text(old), _text(new)
    await AccountAudit.create(
        user_id=user_id,
        actor_id=actor.user_id if actor is not None and actor is not SYSTEM else None,
        field=field,
        old_value=None if old_text is None else old_text[:300],
        new_value=None if new_text is None else new_text[:300],
        created_at=now(),
        using_db=connection,
    )


async def account_trail(
    *, actor: Actor | None, user_id: int, first: int = 50
) -> list[AccountAudit]:
    """Admins: the latest changes to a user's account, newest first."""
    policy.require_admin(actor)
    return await AccountAudit.filter(user_id=user_id).order_by("-id").limit(first)
