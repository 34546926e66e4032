"""Tags: staff list them and tag the tickets they work; admins create, change and delete them."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import parse_id
from app.schema.tags import (
    DeleteTagResult,
    Tag,
    TagInput,
    TagResult,
    UpdateTagInput,
)
from app.schema.tickets import Ticket, UpdateTicketResult
from app.services import tags


def _tag_ids(tag_ids: list[strawberry.ID]) -> list[int]:
    return [parse_id(tag_id, "tagIds") for tag_id in tag_ids]


@strawberry.type
class TagQueries:
    @strawberry.field(description="Every tag by name, at most 200 (staff; empty for clients).")
    async def tags(self, info: Info) -> list[Tag]:
        return [Tag.of(row) for row in await tags.list_tags(actor=info.context.actor)]


@strawberry.type
class TagMutations:
    @mutation()
    async def create_tag(self, info: Info, input: TagInput) -> TagResult:
        row = await tags.create_tag(actor=info.context.actor, name=input.name, color=input.color)
        return Tag.of(row)

    @mutation()
    async def update_tag(self, info: Info, input: UpdateTagInput) -> TagResult:
        row = await tags.update_tag(
            actor=info.context.actor,
            tag_id=parse_id(input.id, "id"),
            name=input.name,
            color=input.color,
            expected_version=input.expected_version,
        )
        return Tag.of(row)

    @mutation()
    async def delete_tag(self, info: Info, id: strawberry.ID) -> DeleteTagResult:
        row = await tags.delete_tag(actor=info.context.actor, tag_id=parse_id(id, "id"))
        return Tag.of(row)

    @mutation(description="Staff who work the ticket; audited, live, never mailed to the client.")
    async def add_ticket_tags(
        self, info: Info, number: int, tag_ids: list[strawberry.ID]
    ) -> UpdateTicketResult:
        ticket = await tags.change_ticket_tags(
            actor=info.context.actor, number=number, add=_tag_ids(tag_ids)
        )
        return Ticket.of(ticket, info.context.actor)

    @mutation(description="Staff who work the ticket; audited, live, never mailed to the client.")
    async def remove_ticket_tags(
        self, info: Info, number: int, tag_ids: list[strawberry.ID]
    ) -> UpdateTicketResult:
        ticket = await tags.change_ticket_tags(
            actor=info.context.actor, number=number, remove=_tag_ids(tag_ids)
        )
        return Ticket.of(ticket, info.context.actor)
