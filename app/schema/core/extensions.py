"""Schema extensions: unexpected errors masked (with a request id in the log), and no
"Did you mean ...?" suggestions."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app.errors import DomainError
from app.infra import metrics
from app.infra.logs import note_operation

log = logging.getLogger("app.graphql")


class MaskUnexpectedErrors(SchemaExtension):
    """Domain errors and GraphQL validation errors reach the caller; anything else is logged
    with the request id and replaced by a generic message carrying that id."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if not result or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        debug = bool(getattr(getattr(context, "settings", None), "debug", False))
        result.errors = [self._mask(error, request_id, debug) for error in result.errors]

    @staticmethod
    def _mask(error: GraphQLError, request_id: str, debug: bool) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError) or error.path is None:
            # Not a fault of ours: a document, variable or limit error (no field path) is the
            # client's, and graphql-core words it as the standard GraphQL answer.
            return error
        if isinstance(original, DomainError):
            return GraphQLError(
                original.message,
                nodes=error.nodes,
                path=error.path,
                extensions={"code": original.code, "field": original.field},
            )
        log.error("unexpected error [request %s]", request_id, exc_info=original)
        if debug:
            return error
        return GraphQLError(
            f"Unexpected error (request {request_id}).",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL", "requestId": request_id},
        )


class HideSuggestions(SchemaExtension):
    """graphql-core words some errors with "Did you mean 'x'?" (unknown fields, arguments,
    types and enum values), which names what someone probing without introspection should not
    learn; this drops that sentence. Left out when DEBUG is on."""

    _SUGGESTION = re.compile(r" ?Did you mean .+\?$")

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        for error in (result.errors or []) if result else []:
            error.message = self._SUGGESTION.sub("", error.message)


class LogOperation(SchemaExtension):
    """Puts the operation name and the actor id on every log line written while the operation
    runs (and, over HTTP, on the request's access line)."""

    def on_operation(self) -> Iterator[None]:
        self._note()
        yield

    def on_execute(self) -> Iterator[None]:
        self._note()  # the document is parsed now: an operation named only there is known
        yield

    def _note(self) -> None:
        context = self.execution_context.context
        actor = getattr(context, "actor", None)
        request = getattr(context, "request", None)
        note_operation(
            self.execution_context.operation_name,
            actor.user_id if actor is not None else None,
            own_task=request is not None and request.scope.get("type") == "websocket",
        )


class RecordMetrics(SchemaExtension):
    """Counts each operation by name, type and outcome (``ok``; ``error``: the answer carries
    GraphQL errors; ``invalid``: the document did not parse or validate) and times queries and
    mutations. A name gets its own label value only if its document validated (see
    ``app.infra.metrics.OperationNames``), so clients cannot grow the label set."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        valid = context.graphql_document is not None and not context.pre_execution_errors
        try:
            kind = context.operation_type.value if valid else "unknown"
        except Exception:  # no operation of that name in the document
            kind, valid = "unknown", False
        result = context.result
        outcome = "invalid" if not valid else "error" if result and result.errors else "ok"
        signed_in = getattr(context.context, "actor", None) is not None
        name = metrics.operation_names.label(
            context.operation_name, valid=valid, signed_in=signed_in
        )
        metrics.GRAPHQL_OPERATIONS.labels(name, kind, outcome).inc()
        if kind != "subscription":  # a subscription's operation lasts as long as it runs
            metrics.GRAPHQL_SECONDS.labels(name, kind).observe(time.perf_counter() - started)
