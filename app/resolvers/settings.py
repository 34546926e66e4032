"""The helpdesk's admin-editable settings."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.settings import HelpdeskSettings, SettingsResult
from app.services import settings


@strawberry.type
class SettingsQueries:
    @strawberry.field(description="Global settings (admins).")
    async def settings(self, info: Info) -> HelpdeskSettings | None:
        days = await settings.read_auto_close_days(
            actor=info.context.actor, default=info.context.settings.auto_close_days
        )
        return None if days is None else HelpdeskSettings(auto_close_days=days)


@strawberry.type
class SettingsMutations:
    @mutation()
    async def set_auto_close_days(self, info: Info, days: int) -> SettingsResult:
        value = await settings.set_auto_close_days(actor=info.context.actor, days=days)
        return HelpdeskSettings(auto_close_days=value)
