"""Prometheus metrics of this process (prometheus-client), served at ``/metrics``.

Every process keeps its own counters in the client library's default registry and exposes them
itself: ``helpdesk serve`` at ``/metrics`` on its port, ``helpdesk worker --metrics-port P`` on a
port of its own. Prometheus scrapes each process and labels the series by ``instance``, so
nothing is shared between processes (no multiprocess directory to clean up, gauges that mean
"this process").

The endpoint is off (404) unless ``METRICS_TOKEN`` is set; the scraper sends it as a bearer
token, compared in constant time (wrong or missing: 401).

Label values are bounded: the GraphQL operation name is one a document the schema validated
named, sent by a signed-in actor (at most ``MAX_OPERATION_NAMES`` distinct names per process,
then ``other``; signed-out callers get ``signed_out`` but for a fixed few names), the other
labels come from fixed sets (outcome, channel, mail status).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

PREFIX = "helpdesk"
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")

GRAPHQL_OPERATIONS = Counter(
    f"{PREFIX}_graphql_operations",
    "GraphQL operations by name, type and outcome (ok, error, invalid)",
    ["operation", "type", "outcome"],
)
GRAPHQL_SECONDS = Histogram(
    f"{PREFIX}_graphql_operation_seconds",
    "Time to answer a GraphQL query or mutation",
    ["operation", "type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBSOCKETS_OPEN = Gauge(f"{PREFIX}_websockets_open", "Signed-in WebSockets open on this process")
SUBSCRIPTIONS_OPEN = Gauge(
    f"{PREFIX}_subscriptions_open", "GraphQL subscriptions registered on this process"
)
EVENTS_PUBLISHED = Counter(
    f"{PREFIX}_events_published",
    "Outbox rows this process published on Redis, by channel",
    ["channel"],
)
EVENTS_DELIVERED = Counter(
    f"{PREFIX}_events_delivered", "Ticket events sent to a subscriber by this process"
)
OUTBOX_DEPTH = Gauge(f"{PREFIX}_outbox_depth", "Outbox rows not yet published (all processes)")
OUTBOX_OLDEST_AGE = Gauge(
    f"{PREFIX}_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row (0: none)"
)
MAILS = Counter(
    f"{PREFIX}_mails",
    "Notification mails by outcome: sent, failed (for good), retrying (a transient failure)",
    ["outcome"],
)
INBOUND_MAILS = Counter(
    f"{PREFIX}_inbound_mails",
    "Inbound mail processed, by outcome (processed, held, ignored, refused, failed)",
    ["outcome"],
)
LOGIN_FAILURES = Counter(
    f"{PREFIX}_login_failures",
    "Failed sign-ins: wrong_password (or no such account), unconfirmed (the right password of"
    " a sign-up not confirmed yet) or rate_limited",
    ["reason"],
)

for _outcome in ("sent", "failed", "retrying"):
    MAILS.labels(_outcome)
for _reason in ("wrong_password", "unconfirmed", "rate_limited"):
    LOGIN_FAILURES.labels(_reason)


SIGNED_OUT_NAMES = frozenset(
    {
        "Login",
        "Logout",
        "Me",
        "SignUp",
        "ClientSignup",
        "RequestPasswordReset",
        "ResetPassword",
        "VerifyEmail",
    }
)
"""The web UI's operations a signed-out visitor runs (sign-in, sign-up, password reset pages):
the only names a caller without a session gets a label value for."""


class OperationNames:
    """The operation names that get their own label value: names of documents that passed
    validation (the document cache's known names) sent by a signed-in actor, up to ``limit``;
    any other is ``other``. A caller without a session never adds a name: its operations are
    ``signed_out``, but for the fixed ``SIGNED_OUT_NAMES``."""

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self._known: set[str] = set()

    def label(self, name: str | None, *, valid: bool, signed_in: bool = True) -> str:
        if not name:
            return "anonymous"
        if not signed_in:
            return name if valid and name in SIGNED_OUT_NAMES else "signed_out"
        if name in self._known:
            return name
        if valid and len(self._known) < self.limit and _NAME.match(name):
            self._known.add(name)
            return name
        return "other"


operation_names = OperationNames()


def token_matches(expected: str, header: str | None) -> bool:
    """``Authorization: Bearer <expected>``, compared in constant time."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        given = ""
    return hmac.compare_digest(given.strip().encode(), expected.encode())


Refresh = Callable[[], Awaitable[None]]


def metrics_endpoint(
    token: str | None, refresh: Refresh | None = None
) -> Callable[[Request], Awaitable[Response]]:
    """The ``/metrics`` handler: 404 without a token configured, 401 without the right bearer
    token, else the text exposition (after ``refresh`` set the gauges read at scrape time)."""

    async def metrics(request: Request) -> Response:
        if not token:
            return PlainTextResponse("Not Found", status_code=404)
        if not token_matches(token, request.headers.get("authorization")):
            return PlainTextResponse(
                "Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        if refresh is not None:
            await refresh()
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return metrics
