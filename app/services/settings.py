"""Admin-editable settings stored in the database, over the environment's defaults."""

from __future__ import annotations

from app.auth import policy
from app.auth.actor import Actor
from app.errors import ValidationFailed
from app.models import Setting

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


async def set_auto_close_days(*, actor: Actor | None, days: int) -> int:
    policy.require_admin(actor)
    if days < 0 or days > 3650:
        raise ValidationFailed.single("days", "Days must be between 0 (off) and 3650.")
    await Setting.update_or_create(key=AUTO_CLOSE_DAYS, defaults={"value": days})
    return days
