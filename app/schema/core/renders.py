"""``SharedRenders``: one event's GraphQL executions, shared by the subscribers that would render
it identically (the executor in ``app.schema.core.executor`` decides who those are).

A shared execution without errors is also serialised once (``Render.payload_json``): the live
resolvers send that text to every further subscriber of the group, framed with each one's
operation id, instead of running the subscription pipeline per subscriber."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from graphql import ExecutionResult, OperationDefinitionNode
from graphql.execution.values import VariableValues


def operation_key(
    operation: OperationDefinitionNode, variables: VariableValues | dict[str, Any]
) -> Hashable:
    """What of a subscription decides its answer besides the event and the viewer: the query
    text, which of its operations runs (where it starts in the text), and the coerced
    variables (graphql-core gives the subscribe resolver a plain dict, the per-event executor a
    ``VariableValues``). None if the document has no source text."""
    if operation.loc is None:
        return None
    coerced = variables.coerced if isinstance(variables, VariableValues) else variables
    return (
        operation.loc.source.body,
        operation.loc.start,
        json.dumps(coerced, sort_keys=True, default=str),
    )


def render_key(operation: Hashable, payload: Hashable, access: Hashable) -> Hashable:
    """Subscribers with equal keys render an event identically (if the execution reads no
    more of the viewer than its access)."""
    return (operation, payload, access)


@dataclass(eq=False)
class Render:
    """One execution: ``result`` once ``done`` is set; None if it may not be shared.

    The live dispatcher may create a render before anyone executes it (``claimed`` False) and
    wait for it: the first subscriber of the group that executes claims it, and the others wait
    for that execution. ``abandon`` ends an unclaimed render with no result (its group then
    executes as if nothing was shared)."""

    done: asyncio.Event = field(default_factory=asyncio.Event)
    result: ExecutionResult | None = None
    claimed: bool = True
    _payload_json: str | None = None

    @property
    def pending(self) -> bool:
        """Created ahead, and nobody has started executing it yet."""
        return not self.claimed and not self.done.is_set()

    def abandon(self) -> None:
        if self.pending:
            self.done.set()

    def payload_json(self) -> str | None:
        """The ``next`` message's payload as Strawberry encodes it (``{"data": ...}``), once;
        None if it may not be shared or has errors (those take the whole pipeline)."""
        if self._payload_json is None:
            result = self.result
            if result is None or result.errors or result.extensions:
                return None
            self._payload_json = encode_json({"data": result.data})
        return self._payload_json


def encode_json(value: Any) -> str:
    """Strawberry's ``BaseView.encode_json``: compact separators."""
    return json.dumps(value, separators=(",", ":"))


@dataclass(eq=False)
class SharedRenders:
    """Attach as ``shared_renders`` to a subscription payload; ``payload_key`` on the payload
    names what of it differs between subscribers (a ticket event: the message it carries)."""

    results: dict[Hashable, Render] = field(default_factory=dict)
    executions: int = 0  # how many times the selection actually ran (benchmarks read it)
    prepared_sends: int = 0  # subscribers sent the prepared text (benchmarks and tests read it)
    direct_writes: int = 0  # of which written to the socket by the dispatcher, without ASGI
