"""Log setup: ``LOG_FORMAT=text`` (the default) or ``json``, one object per line.

Every line written while a request is handled carries its request id, GraphQL operation name
and actor id, from a context variable: ``RequestIdMiddleware`` opens a mutable record per
request and the GraphQL layer fills in the operation and actor. The record is mutable (not
re-set) so that lines written after the GraphQL layer returned, such as uvicorn's access line,
still see what it learnt.

Only these fields and the message are written: nothing logs a request's body, headers,
variables or a mail's text, so a password, token or mail body cannot reach the log this way.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

_request: ContextVar[dict[str, Any] | None] = ContextVar("log_request", default=None)

FIELDS = ("request_id", "operation", "actor_id")


def open_request(request_id: str) -> None:
    """Start a fresh record for this task (and the tasks it starts)."""
    _request.set({"request_id": request_id, "operation": None, "actor_id": None})


def note_operation(operation: str | None, actor_id: int | None, *, own_task: bool) -> None:
    """Record the GraphQL operation and actor. ``own_task``: the caller runs as its own task
    (a WebSocket operation), so it gets its own copy instead of changing the socket's."""
    current = _request.get()
    if current is None or own_task:
        record = dict(current or {"request_id": None})
        record.update(operation=operation, actor_id=actor_id)
        _request.set(record)
    else:
        current.update(operation=operation, actor_id=actor_id)


def request_fields() -> dict[str, Any]:
    current = _request.get() or {}
    return {name: current.get(name) for name in FIELDS}


class JsonFormatter(logging.Formatter):
    """One JSON object per record; an exception's traceback in ``exc_info`` of the same line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **request_fields(),
        }
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


class DropQueryString(logging.Filter):
    """uvicorn's access line names the path without its query string: a client may put
    anything there (``GET /graphql?query=...`` with a password), and no route of ours needs it
    to be read from the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def json_logging() -> bool:
    """Whether lines go out as JSON (so that a message printed for people is logged instead)."""
    return any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers)


def say(logger: logging.Logger, message: str) -> None:
    """A line for whoever watches the process: printed on stderr as it is, or, with JSON
    logs, an INFO record like every other line."""
    if json_logging():
        logger.info("%s", message)
    else:
        print(message, file=sys.stderr, flush=True)


def configure_logging(log_format: str) -> None:
    """Root handler on stderr in the chosen format; uvicorn's loggers then propagate to it
    (see ``uvicorn_log_config``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, DropQueryString) for f in access.filters):
        access.addFilter(DropQueryString())
    if log_format == "json":
        # Loggers configured before (uvicorn's own, by an earlier Config) write through root.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "arq.worker"):
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True


def uvicorn_log_config(log_format: str) -> dict[str, Any] | None:
    """What to pass as uvicorn's ``log_config``: its own colourful setup for text; none for
    JSON, so that its error and access lines go through the root handler."""
    if log_format == "json":
        return None
    from uvicorn.config import LOGGING_CONFIG

    return LOGGING_CONFIG
