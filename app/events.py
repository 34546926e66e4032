"""Events are invalidation signals published after commit: small JSON on one Redis channel.

Every event carries the ticket's department and client so that each server process can decide
per subscriber, in memory, whether the subscriber may see it. After publishing, the same event is
handed to the job queue so the notification worker mails it out.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from enum import Enum
from typing import Any, Protocol

from app.models import Ticket

log = logging.getLogger(__name__)

TICKETS_CHANNEL = "helpdesk:tickets"


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
