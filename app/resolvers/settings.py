"""The helpdesk's admin-editable settings."""

from __future__ import annotations

from typing import Annotated

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
        if days is None:
            return None
        return HelpdeskSettings(auto_close_days=days, version=await settings.settings_version())


@strawberry.type
class SettingsMutations:
    @mutation()
    async def set_auto_close_days(
        self,
        info: Info,
        days: int,
        expected_version: Annotated[
            int | None,
            strawberry.argument(
                description="The settings' version this edit was made on; if they changed "
                "since, the answer is Conflict (field expectedVersion) and nothing is changed."
            ),
        ] = None,
    ) -> SettingsResult:
        value = await settings.set_auto_close_days(
            actor=info.context.actor, days=days, expected_version=expected_version
        )
        return HelpdeskSettings(auto_close_days=value, version=await settings.settings_version())
