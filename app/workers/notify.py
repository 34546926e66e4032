"""Notification job (filled in by the email-out work): mails one ticket event."""

from __future__ import annotations

from typing import Any


async def notify_event(ctx: dict[str, Any], event_json: str) -> None:
    return None


FUNCTIONS: list[Any] = [notify_event]
CRON_JOBS: list[Any] = []
