"""The helpdesk's admin-editable settings."""

from __future__ import annotations

import strawberry

from app.schema.core.errors import result_union


@strawberry.type
class HelpdeskSettings:
    auto_close_days: int
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )


SettingsResult = result_union("SettingsResult", HelpdeskSettings)
