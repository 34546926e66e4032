"""Customer satisfaction: clients rate a closed ticket Good or Bad, with an optional comment.

Who is asked: the ticket's client, whenever it closes (by staff, by the client, by auto-close,
in bulk: every close mails the client, ``app.mail.outbound.content``), with signed one-click
links in that mail and a form on the portal's ticket page while it is closed. A ticket merged
into another is closed by the merge but never asked, and cannot be rated.

One current rating per ticket, the latest: every rating is kept as a row (the history) and the
newest is ``current``. A client's reply that reopens the ticket does not touch it; the next
close asks again, and a new answer replaces it as current (the earlier stays in the history).

Mailed links (``app.auth.rating_links``) are single-use: a link records its score only while
the close it names has no rating yet (nor any later close). Following it again, or its other
score, changes nothing and shows the rating given. The comment is added with the same link,
once, to the rating that link recorded. From the portal the client may change their rating
while the ticket is closed (a new row; the latest wins).

A rating is not a change to the ticket: its version stays. It is an internal event (RATED),
which staff subscribers see live. ``counts`` answers the reports: current ratings per period
and department.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor
from app.auth.rating_links import make_token, read_token, token_valid
from app.config import Settings
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.events import EventType, emit, event_for
from app.i18n import N_, Msg
from app.infra.clock import now
from app.models import (
    AuditEntry,
    RatingScore,
    RatingSource,
    Ticket,
    TicketRating,
    TicketStatus,
)
from app.services.rows import loaded, plan_of, rows_in
from app.services.tickets import get_ticket
from app.services.validation import Checks

MAX_COMMENT_CHARS = 2000

BAD_LINK = N_(
    "This rating link is not valid any more: it expired or does not belong to this ticket. "
    "Sign in to rate the ticket on its page."
)


@dataclass(frozen=True)
class LinkOutcome:
    """What a rating link's page shows."""

    ticket: Ticket
    rating: TicketRating | None  # the rating the close this link names has (None: not yet)
    recorded: bool  # this call recorded the score (False: it was given before)
    can_comment: bool  # the link may still add the comment (its rating has none yet)


def rating_url(settings: Settings, token: str, score: RatingScore) -> str:
    """The page a mailed Good or Bad link opens; the token and score travel in the fragment,
    which browsers never send to a server (and so never end up in its logs)."""
    return f"{settings.public_url.rstrip('/')}/rate#token={token}&score={score.value}"


async def latest_close_entry(ticket_id: int, connection: BaseDBAsyncClient | None = None) -> int:
    """The id of the audit entry of the ticket's latest close (0 if none is recorded)."""
    query = AuditEntry.filter(ticket_id=ticket_id, field="status", new_value="CLOSED")
    if connection is not None:
        query = query.using_db(connection)
    entry = await query.order_by("-id").first()
    return entry.id if entry is not None else 0


async def mail_links(
    ticket: Ticket, settings: Settings, close_entry_id: int | None = None
) -> dict[RatingScore, str] | None:
    """The Good and Bad links for the closing mail (None: this ticket is not rated)."""
    if ticket.merged_into_id is not None or ticket.status is not TicketStatus.CLOSED:
        return None
    entry = close_entry_id or await latest_close_entry(ticket.id)
    if not entry:
        return None
    token = make_token(
        ticket_id=ticket.id, client_id=ticket.client_id, close_entry_id=entry, settings=settings
    )
    return {score: rating_url(settings, token, score) for score in RatingScore}


def _comment(checks: Checks, comment: str | None) -> str | None:
    if comment is None:
        return None
    text = comment.strip()
    if len(text) > MAX_COMMENT_CHARS:
        checks.fail("comment", Msg("Comment must be at most {n} characters.", n=MAX_COMMENT_CHARS))
    return text or None


async def rate_ticket(
    *, actor: Actor | None, number: int, score: RatingScore, comment: str | None = None
) -> TicketRating:
    """The signed-in client rates their own closed ticket (again: the latest wins)."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_rate(actor, ticket):
        raise PermissionDenied("Only the ticket's client rates it.")
    checks = Checks()
    text = _comment(checks, comment)
    checks.raise_if_any()
    async with in_transaction() as connection:
        ticket = await _lock(connection, ticket.id)
        _check_rateable(ticket)
        entry = await latest_close_entry(ticket.id, connection)
        return await _record(
            connection, ticket, score, text, RatingSource.PORTAL, entry, actor.user_id
        )


def _check_rateable(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise ValidationFailed.single(
            "number", "This ticket was merged into another; rate that one when it closes."
        )
    if ticket.status is not TicketStatus.CLOSED:
        raise ValidationFailed.single("number", "A ticket is rated once it is closed.")


async def _lock(connection: BaseDBAsyncClient, ticket_id: int) -> Ticket:
    """The ticket's row, locked until the commit (as ``app.services.ticket_changes`` does,
    without counting a change): two ratings at once end in some serial order."""
    if connection.capabilities.dialect == "sqlite":
        await Ticket.filter(id=ticket_id).using_db(connection).update(version=F("version"))
        return await Ticket.filter(id=ticket_id).using_db(connection).get()
    return await Ticket.select_for_update().filter(id=ticket_id).using_db(connection).get()


async def _record(
    connection: BaseDBAsyncClient,
    ticket: Ticket,
    score: RatingScore,
    comment: str | None,
    source: RatingSource,
    close_entry_id: int,
    actor_id: int | None,
) -> TicketRating:
    await (
        TicketRating.filter(ticket_id=ticket.id, current=True)
        .using_db(connection)
        .update(current=False)
    )
    rating = await TicketRating.create(
        ticket_id=ticket.id,
        client_id=ticket.client_id,
        score=score,
        comment=comment,
        source=source,
        close_entry_id=close_entry_id,
        rated_at=now(),
        current=True,
        using_db=connection,
    )
    await emit(connection, event_for(ticket, EventType.RATED, actor=actor_id, internal=True))
    return rating


async def _link_ticket(settings: Settings, token: str) -> tuple[Ticket, int]:
    claim = read_token(token)
    if claim is None:
        raise ValidationFailed.single("token", BAD_LINK)
    ticket = await Ticket.get_or_none(id=claim.ticket_id)
    if ticket is None or not token_valid(
        token, claim, client_id=ticket.client_id, settings=settings
    ):
        raise ValidationFailed.single("token", BAD_LINK)
    if ticket.merged_into_id is not None:
        raise ValidationFailed.single(
            "token", "This ticket was merged into another; it is not rated any more."
        )
    return ticket, claim.close_entry_id


async def _answer_for(
    ticket_id: int, close_entry_id: int, connection: BaseDBAsyncClient | None = None
) -> TicketRating | None:
    """The rating that answers this close or a later one (the link's question is answered)."""
    query = TicketRating.filter(ticket_id=ticket_id, close_entry_id__gte=close_entry_id)
    if connection is not None:
        query = query.using_db(connection)
    return await query.order_by("-id").first()


def _commentable(rating: TicketRating | None, close_entry_id: int) -> bool:
    return (
        rating is not None
        and rating.source is RatingSource.LINK
        and rating.close_entry_id == close_entry_id
        and rating.current
        and not rating.comment
    )


def _no_comment_reason(rating: TicketRating) -> str:
    if rating.comment:
        return "A comment was added to this rating already; sign in to change your rating."
    return "This rating was changed since this mail was sent; sign in to add a comment."


async def link_state(*, settings: Settings, token: str) -> LinkOutcome:
    """What a rating link shows, changing nothing."""
    ticket, entry = await _link_ticket(settings, token)
    rating = await _answer_for(ticket.id, entry)
    return LinkOutcome(ticket, rating, recorded=False, can_comment=_commentable(rating, entry))


async def rate_by_link(
    *, settings: Settings, token: str, score: RatingScore | None, comment: str | None = None
) -> LinkOutcome:
    """Follow a mailed link: record ``score`` if the close it names has no rating yet, and add
    ``comment`` to the rating this link recorded if it has none. Idempotent: repeating it
    changes nothing and answers the rating as it stands."""
    checks = Checks()
    text = _comment(checks, comment)
    checks.raise_if_any()
    ticket, entry = await _link_ticket(settings, token)
    async with in_transaction() as connection:
        ticket = await _lock(connection, ticket.id)
        rating = await _answer_for(ticket.id, entry, connection)
        recorded = False
        if rating is None and score is not None:
            rating = await _record(
                connection, ticket, score, text, RatingSource.LINK, entry, actor_id=None
            )
            recorded = True
        elif text and rating is None:
            raise ValidationFailed.single(
                "score", "Choose Good or Bad first: the comment goes with the rating."
            )
        elif text and _commentable(rating, entry):
            assert rating is not None
            rating.comment = text
            await rating.save(using_db=connection, update_fields=["comment"])
            await emit(connection, event_for(ticket, EventType.RATED, actor=None, internal=True))
        elif text and rating is not None and rating.comment != text:
            raise ValidationFailed.single("comment", _no_comment_reason(rating))
    return LinkOutcome(ticket, rating, recorded, can_comment=_commentable(rating, entry))


async def current_ratings(ticket_ids: Sequence[int]) -> list[TicketRating | None]:
    """Each ticket's current rating (a DataLoader's batch: one query)."""
    columns, plan = plan_of(TicketRating)
    read = functools.partial(loaded, TicketRating, plan, start=0, partial=False)
    rows = await rows_in(
        TicketRating,
        "current ratings",
        lambda ids: TicketRating.filter(ticket_id__in=ids, current=True).values_list(*columns),
        ticket_ids,
    )
    found = {rating.ticket_id: rating for rating in map(read, rows)}
    return [found.get(i) for i in ticket_ids]


async def rating_history(actor: Actor | None, ticket: Ticket) -> list[TicketRating]:
    """Every rating the ticket was given, newest first (for whoever sees its rating)."""
    if not policy.can_view_rating(actor, ticket):
        return []
    return list(await TicketRating.filter(ticket_id=ticket.id).order_by("-id"))


Granularity = Literal["day", "week", "month"]


@dataclass(frozen=True)
class RatingCount:
    period: date  # the first day (UTC) of the day, week (Monday) or month
    department_id: int
    good: int
    bad: int


async def counts(
    *,
    actor: Actor | None,
    start: datetime,
    end: datetime,
    department_id: int | None = None,
    granularity: Granularity = "day",
) -> list[RatingCount]:
    """Current ratings given in [start, end) per period (UTC days, weeks from Monday, or
    months) and department, Good and Bad, of the tickets ``actor`` may see (staff: their
    departments; admins: all); periods without ratings are left out. For the reports."""
    if not policy.sees_ratings_report(actor):
        raise NotFound("Nothing to report.")
    query = TicketRating.filter(
        current=True, rated_at__gte=start, rated_at__lt=end, ticket__id__in=_visible(actor)
    )
    if department_id is not None:
        query = query.filter(ticket__department_id=department_id)
    rows = await query.values_list("rated_at", "ticket__department_id", "score")
    tally: dict[tuple[date, int], list[int]] = {}
    for rated_at, department, score in rows:
        cell = tally.setdefault((_period(rated_at, granularity), department), [0, 0])
        cell[0 if RatingScore(score) is RatingScore.GOOD else 1] += 1
    return [
        RatingCount(period=period, department_id=dep, good=good, bad=bad)
        for (period, dep), (good, bad) in sorted(tally.items())
    ]


def _visible(actor: Actor | None) -> Subquery:
    return Subquery(Ticket.filter(policy.ticket_scope(actor)).values("id"))


def _period(moment: datetime, granularity: Granularity) -> date:
    day = (moment if moment.tzinfo is None else moment.astimezone(UTC)).date()
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day
