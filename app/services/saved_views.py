"""Saved views: a staff member's named ticket-list filters and sorts, with live counts.

A view holds exactly the list's filter and sort (``ticket_list.TicketFilter`` and
``TicketSort``), checked as the list checks them when it is saved. Its count is the list's
count for whoever looks at it, scoped by the policy: a view an admin shares with a department
counts, for each member, only the tickets that member sees (``assignedToMe`` is the viewer).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tortoise.exceptions import IntegrityError

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound, PermissionDenied, ValidationFailed
from app.i18n import Msg
from app.infra.clock import now
from app.models import Department, SavedView, TicketPriority, TicketStatus
from app.services import ticket_list
from app.services.ticket_list import SortField, TicketFilter, TicketSort
from app.services.validation import Checks

MAX_VIEWS_PER_USER = 50
"""Views one person may own (the sidebar is not paged)."""
MAX_SHARED_PER_DEPARTMENT = 50
"""Views shared with one department."""
MAX_VISIBLE_VIEWS = 100
"""The most ``savedViews`` answers: one's own first, then shared ones, by name."""
MAX_VIEW_NAME = 60
COUNT_CAP = 99
"""A view's count stops here (the sidebar shows "99+"): cheap for any number of tickets."""

UNSET: Any = object()
"""A field left out of an update: it keeps its value."""


def _key(name: str) -> str:
    return name.casefold()


def filter_to_json(flt: TicketFilter) -> dict[str, Any]:
    data = asdict(flt)
    data["statuses"] = [s.value for s in flt.statuses]
    data["priorities"] = [int(p) for p in flt.priorities]
    data["tags"] = list(flt.tags)
    return data


def filter_of(view: SavedView) -> TicketFilter:
    """The stored filter as the list takes it (fields it does not know are ignored)."""
    data = dict(view.filters or {})
    return TicketFilter(
        statuses=tuple(TicketStatus(s) for s in data.get("statuses", ())),
        priorities=tuple(TicketPriority(p) for p in data.get("priorities", ())),
        department_id=data.get("department_id"),
        assignee_id=data.get("assignee_id"),
        assigned_to_me=bool(data.get("assigned_to_me", False)),
        unassigned=bool(data.get("unassigned", False)),
        search=data.get("search"),
        tags=tuple(data.get("tags", ())),
        tags_all=bool(data.get("tags_all", False)),
        client_id=data.get("client_id"),
        sla_breached=bool(data.get("sla_breached", False)),
    )


def sort_of(view: SavedView) -> TicketSort:
    return TicketSort(field=SortField(view.sort_field), descending=view.sort_descending)


async def list_views(*, actor: Actor | None) -> list[SavedView]:
    """The views ``actor`` sees: their own by name, then those shared with their departments
    by name; staff and admins only (clients and the anonymous: none)."""
    if not policy.keeps_views(actor):
        return []
    assert actor is not None
    rows = await SavedView.filter(policy.saved_view_scope(actor)).order_by("name_key", "id")
    own = [row for row in rows if row.owner_id == actor.user_id]
    shared = [row for row in rows if row.owner_id != actor.user_id]
    return (own + shared)[:MAX_VISIBLE_VIEWS]


async def view_count(
    *, actor: Actor | None, view: SavedView, search_language: str = "english"
) -> int:
    """The view's count for ``actor``, up to ``COUNT_CAP + 1`` (more than the cap: capped)."""
    if not policy.keeps_views(actor):
        return 0
    return await ticket_list.count_tickets(
        actor=actor, flt=filter_of(view), cap=COUNT_CAP, search_language=search_language
    )


async def _visible_view(actor: Actor, view_id: int) -> SavedView:
    view = await SavedView.filter(policy.saved_view_scope(actor), id=view_id).first()
    if view is None:
        raise NotFound("View was not found.", field="id")
    return view


def _require_keeper(actor: Actor | None) -> Actor:
    actor = policy.require_user(actor)
    if not policy.keeps_views(actor):
        raise PermissionDenied("Only staff keep saved views.")
    return actor


async def save_view(
    *,
    actor: Actor | None,
    view_id: int | None = None,
    name: str | None,
    flt: TicketFilter | None = None,
    sort: TicketSort | None = None,
    department_id: int | None = UNSET,
    search_language: str = "english",
) -> SavedView:
    """Creates a view (``view_id`` None) or changes one the actor owns: its name, filter,
    sort, and (admins) the department it is shared with (None: private). What is left out
    (None, or UNSET for the department) keeps its value; a new view's filter and sort default
    to the list's."""
    actor = _require_keeper(actor)
    view = None
    if view_id is not None:
        view = await _visible_view(actor, view_id)
        if not policy.can_edit_view(actor, view):
            raise PermissionDenied("Only the view's owner may change it.")
    sharing = department_id is not UNSET and department_id is not None
    if sharing and not policy.can_share_views(actor):
        raise PermissionDenied("Only administrators share views with a department.")
    checks = Checks()
    if name is not None or view is None:
        name = checks.text("name", name, max_chars=MAX_VIEW_NAME, label="Name")
    if flt is not None or sort is not None or view is None:
        flt = flt if flt is not None else (filter_of(view) if view else TicketFilter())
        sort = sort if sort is not None else (sort_of(view) if view else TicketSort())
        try:
            ticket_list.check_list(actor, flt, sort, search_language=search_language)
        except ValidationFailed as refused:
            for field, message in refused.errors.items():
                named = field if field.startswith(("sort", "filter.")) else f"filter.{field}"
                checks.fail(named, message)
    if sharing:
        if not await Department.filter(id=department_id).exists():
            checks.fail("departmentId", "Choose a department that exists.")
        else:
            shared = SavedView.filter(department_id=department_id)
            if view is not None:
                shared = shared.exclude(id=view.id)
            if await shared.count() >= MAX_SHARED_PER_DEPARTMENT:
                checks.fail(
                    "departmentId",
                    Msg("A department has at most {n} shared views.", n=MAX_SHARED_PER_DEPARTMENT),
                )
    if name and "name" not in checks.errors:
        taken = SavedView.filter(owner_id=actor.user_id, name_key=_key(name))
        if view is not None:
            taken = taken.exclude(id=view.id)
        if await taken.exists():
            checks.fail("name", Msg("You have a view named {name} already.", name=repr(name)))
    if view is None and await SavedView.filter(owner_id=actor.user_id).count() >= (
        MAX_VIEWS_PER_USER
    ):
        checks.fail(
            "name",
            Msg("You have {n} views, the most one may keep; delete one.", n=MAX_VIEWS_PER_USER),
        )
    checks.raise_if_any()
    moment = now()
    if view is None:
        assert name is not None and flt is not None and sort is not None
        view = SavedView(
            owner_id=actor.user_id,
            created_at=moment,
            department_id=None if department_id is UNSET else department_id,
        )
    if name is not None:
        view.name, view.name_key = name, _key(name)
    if flt is not None:
        view.filters = filter_to_json(flt)
    if sort is not None:
        view.sort_field, view.sort_descending = sort.field.value, sort.descending
    if department_id is not UNSET:
        view.department_id = department_id
    view.updated_at = moment
    try:
        await view.save()
    except IntegrityError:  # the same name saved meanwhile
        raise ValidationFailed.single(
            "name", Msg("You have a view named {name} already.", name=repr(name))
        ) from None
    return view


async def delete_view(*, actor: Actor | None, view_id: int) -> SavedView:
    actor = _require_keeper(actor)
    view = await _visible_view(actor, view_id)
    if not policy.can_edit_view(actor, view):
        raise PermissionDenied("Only the view's owner may delete it.")
    await view.delete()
    return view
