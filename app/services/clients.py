"""Customer context for staff: a client's other tickets beside the one open, the Clients page
(clients with tickets in the viewer's departments; admins: every client) and a client's page.

Everything is counted and listed within the viewer's ticket scope: staff learn nothing of a
client's tickets in departments they are not in. Clients reach none of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from tortoise.expressions import Q
from tortoise.fields import CharField
from tortoise.functions import Count, Max
from tortoise.queryset import QuerySet

from app.auth import policy
from app.auth.actor import Actor
from app.errors import ValidationFailed, bad_cursor
from app.i18n import Msg
from app.models import Ticket, TicketStatus, User
from app.services.rows import loaded, plan_of, rows_in
from app.services.ticket_list import STATUS_ORDER

RECENT_TICKETS = 10
"""The client's other tickets the ticket page lists (by last activity)."""
MAX_CLIENT_SEARCH = 100
MAX_USER_ID = 2**31 - 1
MAX_NAME = cast(CharField, User._meta.fields_map["name"]).max_length  # longer: a forged cursor

ClientPosition = tuple[str, int]
"""A client's place in the Clients page: name, then id."""


@dataclass
class ClientContext:
    recent: list[Ticket]
    """The latest of the client's other tickets the viewer sees, by last activity."""
    counts: list[tuple[TicketStatus, int]]
    """How many of those other tickets are in each status (workflow order; none left out)."""
    total: int


@dataclass
class ClientSummary:
    user: User
    ticket_count: int = 0
    """Their tickets the viewer sees."""
    last_activity_at: datetime | None = None
    statuses: dict[TicketStatus, int] = field(default_factory=dict)


async def client_context(*, actor: Actor | None, ticket: Ticket) -> ClientContext | None:
    """The client's other tickets as far as ``actor`` may see them; None for clients and
    the anonymous (they never reach it)."""
    if not policy.sees_client_context(actor) or not policy.can_view_ticket(actor, ticket):
        return None
    scope = policy.ticket_scope(actor)
    # Each statement's text is built by Tortoise once per scope (``ticket_scope_key``) and
    # kept; the client and the ticket are its parameters (``rows_in``).
    key = policy.ticket_scope_key(actor)

    def others(ids: list[int]) -> QuerySet[Ticket]:
        client_id, ticket_id = ids
        return Ticket.filter(scope, client_id=client_id).exclude(id=ticket_id)

    # The rows alone: their department, client and assignee load (in one batch each) only if
    # asked for; the ticket page's panel shows none of them.
    columns, plan = plan_of(Ticket)
    recent = await rows_in(
        Ticket,
        ("a client's other tickets", key),
        lambda ids: (
            others(ids)
            .order_by("-last_activity_at", "-number")
            .limit(RECENT_TICKETS)
            .values_list(*columns)
        ),
        [ticket.client_id, ticket.id],
    )
    grouped = await rows_in(
        Ticket,
        ("a client's other tickets by status", key),
        # ``values``: Tortoise's ``values_list`` would select the count twice.
        lambda ids: others(ids).group_by("status").annotate(n=Count("id")).values("status", "n"),
        [ticket.client_id, ticket.id],
    )
    by_status = {TicketStatus(row[0]): int(row[1]) for row in grouped}
    return ClientContext(
        recent=[loaded(Ticket, plan, row, 0, partial=False) for row in recent],
        counts=[(status, by_status.get(status, 0)) for status in STATUS_ORDER],
        total=sum(by_status.values()),
    )


def _search(text: str | None) -> Q:
    if text is None or not text.strip():
        return Q()
    text = " ".join(text.split())
    if len(text) > MAX_CLIENT_SEARCH:
        raise ValidationFailed.single(
            "search", Msg("Search for at most {n} characters.", n=MAX_CLIENT_SEARCH)
        )
    return Q(name__icontains=text) | Q(email__icontains=text)


async def _summaries(actor: Actor | None, users: Sequence[User]) -> list[ClientSummary]:
    """Each client with their tickets the viewer sees: one grouped query for the page."""
    ids = [user.id for user in users]
    found: dict[int, ClientSummary] = {user.id: ClientSummary(user=user) for user in users}
    if ids:
        rows = (
            await Ticket.filter(policy.ticket_scope(actor), client_id__in=ids)
            .group_by("client_id", "status")
            .annotate(n=Count("id"), last=Max("last_activity_at"))
            .values("client_id", "status", "n", "last")
        )
        for row in rows:
            summary = found[int(row["client_id"])]
            summary.ticket_count += int(row["n"])
            summary.statuses[TicketStatus(row["status"])] = int(row["n"])
            last = row["last"]
            if isinstance(last, str):  # SQLite answers an aggregate's time as text
                last = datetime.fromisoformat(last)
            if last is not None and (
                summary.last_activity_at is None or last > summary.last_activity_at
            ):
                summary.last_activity_at = last
    return [found[i] for i in ids]


async def list_clients(
    *,
    actor: Actor | None,
    search: str | None = None,
    first: int = 50,
    after: ClientPosition | None = None,
) -> tuple[list[ClientSummary], bool]:
    """The clients ``actor`` may look up (see ``policy.client_scope``), by name then id,
    matching ``search`` in the name or address (any part of it). (page, has_next)."""
    query = User.filter(policy.client_scope(actor)).filter(_search(search))
    if after is not None:
        name, user_id = after
        query = query.filter(Q(name__gt=name) | Q(name=name, id__gt=user_id))
    rows = await query.order_by("name", "id").limit(first + 1)
    return await _summaries(actor, rows[:first]), len(rows) > first


async def get_client(*, actor: Actor | None, client_id: int) -> ClientSummary | None:
    """One client, if ``actor`` may look them up; None exactly as for no such client."""
    user = await User.filter(policy.client_scope(actor), id=client_id).first()
    if user is None:
        return None
    return (await _summaries(actor, [user]))[0]


def client_position(key: Sequence[object]) -> ClientPosition:
    """The position in a Clients-page cursor's key; a typed error for a forged one."""
    if len(key) == 2:
        name, user_id = key
        if (
            isinstance(name, str)
            and "\x00" not in name
            and len(name) <= MAX_NAME
            and isinstance(user_id, int)
            and not isinstance(user_id, bool)
            and 1 <= user_id <= MAX_USER_ID
        ):
            return name, user_id
    raise bad_cursor()
