"""Events are invalidation signals the services hand over after commit; this module is the one
place they leave the process.

Two kinds, each small JSON on its Redis channel:

* ticket events (``emit``) on ``helpdesk:tickets``: every one carries the ticket's department
  and client so that each server process can decide per subscriber, in memory, whether the
  subscriber may see it; the same event is handed to the job queue so the notification worker
  mails it out;
* session signals (``emit_session_change``) on ``helpdesk:sessions``: a session was revoked or a
  user's access changed, and every server process closes that user's open sockets
  (``app.live.connections``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, Literal, Protocol

from app.models import Ticket

log = logging.getLogger(__name__)

TICKETS_CHANNEL = "helpdesk:tickets"
SESSIONS_CHANNEL = "helpdesk:sessions"


class EventType(str, Enum):
    CREATED = "CREATED"
    MESSAGE_ADDED = "MESSAGE_ADDED"
    NOTE_ADDED = "NOTE_ADDED"
    UPDATED = "UPDATED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"
    ASSIGNED = "ASSIGNED"


@dataclass(frozen=True)
class TicketEvent:
    type: EventType
    ticket: int  # the ticket number
    ticket_id: int
    department: int
    client: int
    message: int | None = None
    internal: bool = False
    actor: int | None = None
    previous_department: int | None = None
    assignee: int | None = None
    changes: tuple[str, ...] = ()

    def to_json(self) -> str:
        data = asdict(self)
        data["type"] = self.type.value
        data["changes"] = list(self.changes)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> TicketEvent:
        data: dict[str, Any] = json.loads(raw)
        data["type"] = EventType(data["type"])
        data["changes"] = tuple(data.get("changes") or ())
        return cls(**data)

    @property
    def key(self) -> str:
        """Stable identity of what happened, used as the notification job id."""
        return f"{self.type.value}:{self.ticket_id}:{self.message or ''}:{','.join(self.changes)}"


def event_for(ticket: Ticket, type_: EventType, **extra: Any) -> TicketEvent:
    return TicketEvent(
        type=type_,
        ticket=ticket.number,
        ticket_id=ticket.id,
        department=ticket.department_id,
        client=ticket.client_id,
        assignee=ticket.assignee_id,
        **extra,
    )


SessionReason = Literal["revoked", "access"]
"""``revoked``: the token (or, without one, every token of the user but ``keep``) no longer
works. ``access``: role or departments changed; the sockets reconnect with the new access."""


@dataclass(frozen=True, slots=True)
class SessionSignal:
    user: int
    reason: SessionReason
    token: int | None = None
    keep: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"user": self.user, "reason": self.reason, "token": self.token, "keep": self.keep}
        )

    def revokes(self, token_id: int | None) -> bool:
        """Whether a socket signed in with ``token_id`` must close."""
        if self.reason != "revoked":
            return False
        if self.token is not None:
            return token_id == self.token
        return self.keep is None or token_id != self.keep

    @classmethod
    def from_json(cls, raw: str) -> SessionSignal:
        data = json.loads(raw)
        reason = data["reason"]
        if reason not in ("revoked", "access"):
            raise ValueError(f"unknown session signal reason {reason!r}")
        token, keep = data.get("token"), data.get("keep")
        return cls(
            user=int(data["user"]),
            reason=reason,
            token=None if token is None else int(token),
            keep=None if keep is None else int(keep),
        )


class Publisher(Protocol):
    async def publish(self, channel: str, message: str) -> None: ...


class JobQueue(Protocol):
    async def enqueue_event(self, event: TicketEvent) -> None: ...


class _Sinks:
    publisher: Publisher | None = None
    jobs: JobQueue | None = None


sinks = _Sinks()


def configure(*, publisher: Publisher | None, jobs: JobQueue | None) -> None:
    sinks.publisher = publisher
    sinks.jobs = jobs


async def emit(*events: TicketEvent) -> None:
    """Publish and enqueue, after commit. Failures are logged: the data is already saved,
    and subscribers refetch after an outage (RESYNC), so a lost signal costs only freshness."""
    for event in events:
        if sinks.publisher is not None:
            try:
                await sinks.publisher.publish(TICKETS_CHANNEL, event.to_json())
            except Exception:
                log.exception("could not publish %s", event.key)
        if sinks.jobs is not None:
            try:
                await sinks.jobs.enqueue_event(event)
            except Exception:
                log.exception("could not enqueue notifications for %s", event.key)


async def emit_session_change(
    *,
    user_id: int,
    reason: SessionReason,
    token_id: int | None = None,
    keep_token_id: int | None = None,
) -> None:
    """Publish after commit. A lost signal is covered by each process's periodic session check.
    ``keep_token_id``: with ``revoked`` and no ``token_id``, the one token that stays valid."""
    if sinks.publisher is None:
        return
    signal = SessionSignal(user=user_id, reason=reason, token=token_id, keep=keep_token_id)
    try:
        await sinks.publisher.publish(SESSIONS_CHANNEL, signal.to_json())
    except Exception:
        log.exception("could not publish the session signal for user %s", user_id)
