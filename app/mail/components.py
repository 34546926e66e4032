"""Long-running mail parts of the all-in-one run (the dev SMTP sink, the inbound listener).

Each entry is an async callable taking the settings and running until cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from app.mail.sink import run_sink

Component = Callable[[Any], Coroutine[Any, Any, None]]

OUTBOUND_COMPONENTS: list[Component] = [run_sink]  # the dev SMTP sink


async def run_inbound(settings: Any) -> None:
    """The SMTP/LMTP listener, plus the IMAP poller when IMAP_URL is set."""
    from app.mail.listeners import run_inbound as run

    await run(settings)


INBOUND_COMPONENTS: list[Component] = [run_inbound]
