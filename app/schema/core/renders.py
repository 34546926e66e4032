"""``SharedRenders``: one event's GraphQL executions, shared by the subscribers that would render
it identically (the executor in ``app.schema.core.executor`` decides who those are)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from dataclasses import dataclass, field

from graphql import ExecutionResult


@dataclass(eq=False)
class Render:
    """One execution: ``result`` once ``done`` is set; None if it may not be shared."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    result: ExecutionResult | None = None


@dataclass(eq=False)
class SharedRenders:
    """Attach as ``shared_renders`` to a subscription payload; ``payload_key`` on the payload
    names what of it differs between subscribers (a ticket event: the message it carries)."""

    results: dict[Hashable, Render] = field(default_factory=dict)
    executions: int = 0  # how many times the selection actually ran (benchmarks read it)
