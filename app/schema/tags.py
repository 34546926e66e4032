"""Tags: global labels with a colour (admins manage them; staff put them on tickets)."""

from __future__ import annotations

import strawberry

from app import models
from app.schema.core.errors import result_union


@strawberry.type(description="An internal label on tickets; clients never see tags.")
class Tag:
    id: strawberry.ID
    name: str
    color: str = strawberry.field(description="#rrggbb")

    @classmethod
    def of(cls, row: models.Tag) -> Tag:
        return cls(id=strawberry.ID(str(row.id)), name=row.name, color=row.color)


@strawberry.input
class TagInput:
    name: str = strawberry.field(description="1 to 40 characters, unique ignoring case.")
    color: str = strawberry.field(description="#rrggbb")


@strawberry.input
class UpdateTagInput:
    id: strawberry.ID
    name: str | None = None
    color: str | None = None


TagResult = result_union("TagResult", Tag)
DeleteTagResult = result_union("DeleteTagResult", Tag)
