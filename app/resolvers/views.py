"""Saved views: staff list, save, rename, share (admins) and delete their named list filters."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import optional_id, parse_id
from app.schema.tickets import filter_input, sort_input
from app.schema.views import DeleteViewResult, SavedView, SaveViewInput, SaveViewResult
from app.services import saved_views


@strawberry.type
class ViewQueries:
    @strawberry.field(
        description="Staff: your views, then those shared with your departments (at most "
        "100); empty for clients."
    )
    async def saved_views(self, info: Info) -> list[SavedView]:
        return [SavedView.of(row) for row in await saved_views.list_views(actor=info.context.actor)]


@strawberry.type
class ViewMutations:
    @mutation(description="Make a view, or change one of yours (leave out what stays).")
    async def save_view(self, info: Info, input: SaveViewInput) -> SaveViewResult:
        department = (
            saved_views.UNSET
            if input.department_id is strawberry.UNSET
            else optional_id(input.department_id, "departmentId")
        )
        row = await saved_views.save_view(
            actor=info.context.actor,
            view_id=optional_id(input.id, "id"),
            name=input.name,
            flt=None if input.filter is None else filter_input(input.filter),
            sort=None if input.sort is None else sort_input(input.sort),
            department_id=department,
            search_language=info.context.settings.search_language,
        )
        return SavedView.of(row)

    @mutation(description="Delete one of your views.")
    async def delete_view(self, info: Info, id: strawberry.ID) -> DeleteViewResult:
        row = await saved_views.delete_view(actor=info.context.actor, view_id=parse_id(id, "id"))
        return SavedView.of(row)
