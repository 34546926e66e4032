"""Inbound mail jobs (filled in by the email-in work)."""

from __future__ import annotations

from typing import Any

FUNCTIONS: list[Any] = []
CRON_JOBS: list[Any] = []
