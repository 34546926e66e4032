"""What the events say: ticket events and session signals, each small JSON on its Redis channel.

* ticket events on ``helpdesk:tickets``: every one carries the ticket's department and client so
  that each server process can decide per subscriber, in memory, whether the subscriber may see
  it; the same event is handed to the job queue so the notification worker mails it out;
* session signals on ``helpdesk:sessions``: a session was revoked or a user's access changed,
  and every server process closes that user's open sockets (``app.live.connections``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any, Literal

import orjson

from app.models import Ticket

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
    MERGED = "MERGED"
    ESCALATED = "ESCALATED"  # an SLA escalation rule fired (internal: staff only)
    RATED = "RATED"  # the client rated the closed ticket (internal: staff only)
    LEFT = "LEFT"
    """Never published: what the list subscription tells a viewer who saw a ticket until it
    moved to a department they do not see (their list and counts changed; no ticket given)."""


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
    escalation: str | None = None
    """ESCALATED: ``rule id|clock|who to notify (comma-separated)|what happened``."""
    event_id: int | None = None  # its outbox row: set by the relay, the event's identity
    contact: int | None = None  # MESSAGE_ADDED by a contact CC'd on the ticket (no actor)
    event_at: int | None = None
    """When its outbox row was written (microseconds since the epoch, ``outbox.row_stamp``):
    set by the relay with ``event_id``. Ids start again after a database restore while Redis
    keeps its jobs and results, so the row is the pair, never the id alone."""

    def to_json(self) -> str:
        """orjson over the fields as they are (``dataclasses.asdict`` deep-copies every value)."""
        return orjson.dumps({name: getattr(self, name) for name in _EVENT_FIELDS}).decode()

    @classmethod
    def from_json(cls, raw: str) -> TicketEvent:
        data: dict[str, Any] = json.loads(raw)
        data["type"] = EventType(data["type"])
        data["changes"] = tuple(data.get("changes") or ())
        return cls(**data)

    @property
    def key(self) -> str:
        """Identity of what happened, used as the notification job id: the outbox row (its id
        and when it was written) once the relay sent it (two identical changes are two events);
        before that, a description. An event enqueued before events carried ``event_at`` (still
        in Redis after an upgrade) keeps its old identity, the row's id alone."""
        if self.event_id is not None:
            if self.event_at is None:
                return f"e{self.event_id}"
            return f"e{self.event_id}.{self.event_at}"
        return f"{self.type.value}:{self.ticket_id}:{self.message or ''}:{','.join(self.changes)}"


_EVENT_FIELDS = tuple(f.name for f in fields(TicketEvent))


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


ACCOUNT_MAIL_CHANNEL = "helpdesk:account-mail"
"""Not a pub/sub channel: outbox rows on it are handed to the account-mail job only."""

AccountMailKind = Literal["reset", "invite", "verify", "signup_exists"]
"""``reset``: a password-reset link to whoever holds ``email`` (nothing when nobody does);
``invite``: a staff-created client's link to set a password; ``verify``: a self-signed-up
client's confirmation link; ``signup_exists``: someone signed up with the address of an
existing account, whose owner is told (sign in, or reset the password)."""


@dataclass(frozen=True, slots=True)
class AccountMail:
    kind: AccountMailKind
    email: str
    requested_at: str  # ISO 8601; links expire counting from it
    user: int | None = None
    mail_id: int | None = None  # its outbox row: set by the relay, the mail's identity
    mail_at: int | None = None  # when that row was written (see ``TicketEvent.event_at``)

    @property
    def key(self) -> str:
        """The outbox row's identity (its id and when it was written), for the job id and the
        delivery record; a mail enqueued before mails carried ``mail_at``: its id alone."""
        if self.mail_at is None:
            return str(self.mail_id)
        return f"{self.mail_id}.{self.mail_at}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind,
                "email": self.email,
                "requested_at": self.requested_at,
                "user": self.user,
                "mail_id": self.mail_id,
                "mail_at": self.mail_at,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> AccountMail:
        data = json.loads(raw)
        if data["kind"] not in ("reset", "invite", "verify", "signup_exists"):
            raise ValueError(f"unknown account mail kind {data['kind']!r}")
        user, mail_id, mail_at = data.get("user"), data.get("mail_id"), data.get("mail_at")
        return cls(
            kind=data["kind"],
            email=str(data["email"]),
            requested_at=str(data["requested_at"]),
            user=None if user is None else int(user),
            mail_id=None if mail_id is None else int(mail_id),
            mail_at=None if mail_at is None else int(mail_at),
        )
