"""Long-running mail parts of the all-in-one run (the dev SMTP sink, the inbound listener).

Each entry is an async callable taking the settings and running until cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

OUTBOUND_COMPONENTS: list[Callable[[Any], Awaitable[None]]] = []  # the email-out work adds here
INBOUND_COMPONENTS: list[Callable[[Any], Awaitable[None]]] = []  # the email-in work adds here
