"""Saved views: the types and input of a staff member's named list filters."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from strawberry import Private

from app import models
from app.auth import policy
from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.core.resolving import later
from app.schema.directory import Department, User
from app.schema.tickets import (
    SortDirection,
    TagsMatch,
    TicketFilter,
    TicketPriority,
    TicketSort,
    TicketSortField,
    TicketStatus,
)
from app.services import saved_views


@strawberry.type(description="A view's filter: the fields of TicketFilter, as saved.")
class SavedViewFilter:
    status: list[TicketStatus]
    priority: list[TicketPriority]
    department_id: strawberry.ID | None
    assignee_id: strawberry.ID | None
    assigned_to_me: bool
    unassigned: bool
    search: str | None
    tags: list[strawberry.ID]
    tags_match: TagsMatch
    client_id: strawberry.ID | None
    sla_breached: bool


@strawberry.type(description="A view's sort: the fields of TicketSort, as saved.")
class SavedViewSort:
    field: TicketSortField
    direction: SortDirection


def _id(value: int | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


@strawberry.type(description="A named ticket-list filter and sort (staff).")
class SavedView:
    id: strawberry.ID
    name: str
    filter: SavedViewFilter
    sort: SavedViewSort
    _model: Private[models.SavedView]
    _counted: Private[dict[str, Any]]

    @strawberry.field(description="True for the viewer's own views; shared ones are read-only.")
    def editable(self, info: Info) -> bool:
        return policy.can_edit_view(info.context.actor, self._model)

    @strawberry.field(description="The department it is shared with; null: private.")
    def department(self, info: Info) -> Department | None:
        if self._model.department_id is None:
            return None
        return later(_department(info, self._model.department_id))

    @strawberry.field(description="Who made it.")
    def owner(self, info: Info) -> User | None:
        return later(_user(info, self._model.owner_id))

    @strawberry.field(
        description="The tickets the viewer sees with this filter, counted up to 99 "
        "(see countCapped)."
    )
    async def count(self, info: Info) -> int:
        return min(await self._count(info), saved_views.COUNT_CAP)

    @strawberry.field(description="True when more than 99 tickets match and count stopped there.")
    async def count_capped(self, info: Info) -> bool:
        return await self._count(info) > saved_views.COUNT_CAP

    async def _count(self, info: Info) -> int:
        # count and countCapped share one statement.
        if "n" not in self._counted:
            self._counted["n"] = asyncio.ensure_future(
                saved_views.view_count(
                    actor=info.context.actor,
                    view=self._model,
                    search_language=info.context.settings.search_language,
                )
            )
        return int(await self._counted["n"])

    @classmethod
    def of(cls, row: models.SavedView) -> SavedView:
        flt = saved_views.filter_of(row)
        sort = saved_views.sort_of(row)
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            filter=SavedViewFilter(
                status=list(flt.statuses),
                priority=list(flt.priorities),
                department_id=_id(flt.department_id),
                assignee_id=_id(flt.assignee_id),
                assigned_to_me=flt.assigned_to_me,
                unassigned=flt.unassigned,
                search=flt.search,
                tags=[strawberry.ID(str(t)) for t in flt.tags],
                tags_match=TagsMatch.ALL if flt.tags_all else TagsMatch.ANY,
                client_id=_id(flt.client_id),
                sla_breached=flt.sla_breached,
            ),
            sort=SavedViewSort(
                field=sort.field,
                direction=SortDirection.DESC if sort.descending else SortDirection.ASC,
            ),
            _model=row,
            _counted={},
        )


async def _department(info: Info, department_id: int) -> Department | None:
    department = await info.context.loaders.departments.load(department_id)
    return Department.of(department) if department else None


async def _user(info: Info, user_id: int) -> User | None:
    user = await info.context.loaders.users.load(user_id)
    return User.of(user) if user else None


@strawberry.input
class SaveViewInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A view of yours to change; leave out to make a new one."
    )
    name: str | None = strawberry.field(
        default=None, description="1 to 60 characters, unique among your views ignoring case."
    )
    filter: TicketFilter | None = strawberry.field(
        default=None, description="Exactly the list's filter; leave out to keep (new: none)."
    )
    sort: TicketSort | None = strawberry.field(
        default=None, description="Exactly the list's sort; leave out to keep (new: default)."
    )
    department_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Admins: share with this department (null: private); leave out to keep.",
    )


SaveViewResult = result_union("SaveViewResult", SavedView)
DeleteViewResult = result_union("DeleteViewResult", SavedView)
