"""Admin-editable settings stored in the database, over the environment's defaults."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from app.auth import policy
from app.auth.actor import Actor
from app.errors import ValidationFailed
from app.i18n import N_
from app.models import Setting
from app.services import versions

AUTO_CLOSE_DAYS = "auto_close_days"


async def auto_close_days(*, default: int) -> int:
    """The admins' setting, else ``default`` (AUTO_CLOSE_DAYS)."""
    row = await Setting.get_or_none(key=AUTO_CLOSE_DAYS)
    return int(row.value) if row is not None else default


async def read_auto_close_days(*, actor: Actor | None, default: int) -> int | None:
    """The setting as admins see it; None for everyone else."""
    if not policy.can_administer(actor):
        return None
    return await auto_close_days(default=default)


async def settings_version() -> int:
    """The settings' version (1 while none was saved): what an admin's save names."""
    row = await Setting.get_or_none(key=AUTO_CLOSE_DAYS).only("key", "version")
    return row.version if row is not None else 1


async def set_auto_close_days(
    *, actor: Actor | None, days: int, expected_version: int | None = None
) -> int:
    """With ``expected_version`` (the settings' version the admin loaded), settings changed
    since are refused (Conflict) and nothing changes."""
    policy.require_admin(actor)
    if days < 0 or days > 3650:
        raise ValidationFailed.single("days", "Days must be between 0 (off) and 3650.")
    row = await Setting.get_or_none(key=AUTO_CLOSE_DAYS)
    if row is None:  # never saved: version 1, so the first save makes version 2
        if expected_version not in (None, 1):
            raise versions.stale("The settings")
        try:
            await Setting.create(key=AUTO_CLOSE_DAYS, value=days, version=2)
        except IntegrityError:  # saved meanwhile by someone else
            raise versions.stale("The settings") from None
        return days
    row.value = days
    await versions.save(row, expected_version, what=N_("The settings"))
    return days
