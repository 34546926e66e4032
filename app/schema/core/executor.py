"""The GraphQL executor: Strawberry's, plus two things live updates need at scale.

1. A subscription's collected subfields are memoised by document node. graphql-core 3.3
   memoises them per executor keyed by the identity of the list of field nodes, and shares that
   memo between a subscription's per-event executors (shallow copies of one executor). The root
   fields are collected afresh for every event, so every event missed the memo and added entries
   that were never freed: a long-lived subscription grew by about 7 KB per event (measured with
   bench/bench_subscriptions.py). Keyed by the query's own field nodes, which live as long as
   the operation, the memo is hit from the second event on and stays the size of the query.
   Only the per-event executors (``EventExecutor``) key it so: a query or mutation executes
   once and its memo dies with it, so it keeps graphql-core's cheaper lookup (a list page
   collects the subfields of every row's objects: 225 lookups on the admin list).

2. Subscribers that render an event identically share one execution. A payload that carries
   ``shared_renders`` (a ``SharedRenders``) is executed once per query text, variables and
   viewer *class* (role and departments). That execution runs with a context that records what
   the resolvers read: if they read anything of the viewer beyond the class (a user id, an
   email) or of the context beyond the viewer, the settings and the loaders, the result is not
   shared and every subscriber of that class executes on its own, as without this. Sharing is
   therefore decided by what the resolvers actually did, not by a list of fields to maintain.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable
from typing import Any

from graphql import ExecutionResult, GraphQLObjectType, OperationType
from graphql.execution.collect_fields import CollectedFields
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from app.schema.core.renders import Render, SharedRenders, operation_key, render_key
from app.schema.core.resolving import current_loaders, current_public_url

# What the policy reads of an actor to decide by its access (role and departments) alone.
CLASS_ATTRIBUTES = frozenset(
    {"access", "role", "is_admin", "is_staff", "is_client", "department_ids"}
)
CONTEXT_ATTRIBUTES = frozenset({"actor", "settings", "loaders"})


class _Recorder:
    """Forwards attribute reads to ``target`` and remembers their names."""

    def __init__(self, target: Any, reads: set[str], overrides: dict[str, Any]) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_reads", reads)
        object.__setattr__(self, "_overrides", overrides)

    def __getattr__(self, name: str) -> Any:
        self._reads.add(name)
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._reads.add(f"set:{name}")  # writing to the context is never shareable


class HelpdeskExecutor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor.__class__ = EventExecutor
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        # Every resolver of this execution runs in this task or a task created from it.
        loaders = getattr(self.context_value, "loaders", None)
        current_loaders.set(loaders)
        if loaders is not None:  # only a query reads the process's kept directory
            loaders.for_operation(self.operation.operation is OperationType.QUERY)
        settings = getattr(self.context_value, "settings", None)
        if settings is not None:
            current_public_url.set(settings.public_url)
        renders = getattr(self.root_value, "shared_renders", None)
        if not isinstance(renders, SharedRenders):  # every HTTP request
            return super().execute_operation(serially)
        actor = getattr(self.context_value, "actor", None)
        operation = operation_key(self.operation, self.variable_values)
        if actor is None or operation is None:
            return super().execute_operation(serially)
        payload = getattr(self.root_value, "payload_key", None)
        key = render_key(operation, payload, actor.access)
        return self._shared(renders, key, serially)

    async def _shared(self, renders: SharedRenders, key: Hashable, serially: bool | None) -> Any:
        render = renders.results.get(key)
        if render is not None and not render.pending:
            await render.done.wait()
            if render.result is None:  # that execution read more than the viewer's class
                return await _awaited(super().execute_operation(serially))
            return ExecutionResult(data=render.result.data, errors=render.result.errors)
        if render is None:
            render = renders.results[key] = Render()
        render.claimed = True  # (one the live dispatcher created ahead and waits for)
        context_reads: set[str] = set()
        actor_reads: set[str] = set()
        real_context = self.context_value
        actor = _Recorder(real_context.actor, actor_reads, {})
        self.context_value = _Recorder(real_context, context_reads, {"actor": actor})
        try:
            renders.executions += 1
            result = await _awaited(super().execute_operation(serially))
            if context_reads <= CONTEXT_ATTRIBUTES and actor_reads <= CLASS_ATTRIBUTES:
                render.result = result
            return result
        finally:
            self.context_value = real_context
            render.done.set()


class EventExecutor(HelpdeskExecutor):
    """A subscription event's executor: subfields memoised by document node (see above)."""

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: Any
    ) -> CollectedFields:
        if len(field_details_list) == 1:  # the usual case (a row's field), without generators
            details = field_details_list[0]
            if details.defer_usage is not None or details.fragment_variable_values is not None:
                return super().collect_subfields(return_type, field_details_list)
            nodes: tuple[int, ...] = (id(details.node),)
        elif any(
            details.defer_usage is not None or details.fragment_variable_values is not None
            for details in field_details_list
        ):
            return super().collect_subfields(return_type, field_details_list)
        else:
            nodes = tuple(id(details.node) for details in field_details_list)
        # The memo dict itself is shared with every per-event copy of this executor.
        memo: dict[Any, Any] = self._relevant_sub_fields
        key = ("nodes", return_type, nodes)
        cached = memo.get(key)
        if cached is None:
            cached = memo[key] = (
                field_details_list,
                super().collect_subfields(return_type, field_details_list),
            )
        result: CollectedFields = cached[1]
        return result


async def _awaited(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
