"""Enumerations stored in the database (values are the stored strings)."""

from __future__ import annotations

from enum import Enum, IntEnum


class Role(str, Enum):
    CLIENT = "client"
    STAFF = "staff"
    ADMIN = "admin"


class TicketStatus(str, Enum):
    OPEN = "open"
    ANSWERED = "answered"
    CUSTOMER_REPLY = "customer_reply"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class TicketPriority(IntEnum):
    """Stored as a number so that sorting by priority sorts by urgency."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3
    URGENT = 4


class MessageSource(str, Enum):
    WEB = "web"
    EMAIL = "email"
    API = "api"
    SYSTEM = "system"


class TokenKind(str, Enum):
    SESSION = "session"
    API = "api"


class OutboundStatus(str, Enum):
    PENDING = "pending"
    SENT = "sent"
    RETRYING = "retrying"
    FAILED = "failed"


class InboundStatus(str, Enum):
    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"
    REFUSED = "refused"
    FAILED = "failed"
    HELD = "held"  # proves nothing about its sender; waits for an admin


class RatingScore(str, Enum):
    """A client's satisfaction with a closed ticket (app/services/ratings.py)."""

    GOOD = "good"
    BAD = "bad"


class RatingSource(str, Enum):
    """Where a rating was given: the portal (signed in) or a mailed link (no sign-in)."""

    PORTAL = "portal"
    LINK = "link"
