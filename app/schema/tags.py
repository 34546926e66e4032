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
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )

    @classmethod
    def of(cls, row: models.Tag) -> Tag:
        return cls(
            id=strawberry.ID(str(row.id)), name=row.name, color=row.color, version=row.version
        )


@strawberry.input
class TagInput:
    name: str = strawberry.field(description="1 to 40 characters, unique ignoring case.")
    color: str = strawberry.field(description="#rrggbb")


@strawberry.input
class UpdateTagInput:
    id: strawberry.ID
    name: str | None = None
    color: str | None = None
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version this edit was made on; if it changed since, the answer is "
        "Conflict (field expectedVersion) and nothing is changed. Leave out to save anyway.",
    )


TagResult = result_union("TagResult", Tag)
DeleteTagResult = result_union("DeleteTagResult", Tag)
