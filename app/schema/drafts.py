"""Reply drafts: the viewer's own unsent text on a ticket (app/services/drafts.py)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app import models


@strawberry.type(description="The viewer's own unsent text on a ticket; nobody else sees it.")
class Draft:
    body: str
    internal: bool = strawberry.field(description="An internal note's draft (staff), not a reply.")
    updated_at: datetime

    @classmethod
    def of(cls, row: models.Draft) -> Draft:
        return cls(body=row.body, internal=row.internal, updated_at=row.updated_at)
