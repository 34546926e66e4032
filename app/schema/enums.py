"""GraphQL enums: the stored enums exposed by name (OPEN, HIGH, STAFF ...)."""

from __future__ import annotations

from enum import Enum

import strawberry

from app.events import EventType
from app.models import (
    InboundStatus,
    MessageSource,
    OutboundStatus,
    Role,
    TicketPriority,
    TicketStatus,
)
from app.services.ticket_list import SortField as TicketSortField

# The stored enums are the GraphQL enums (strawberry.enum registers the class in place).
strawberry.enum(TicketStatus, name="TicketStatus")
strawberry.enum(TicketPriority, name="TicketPriority")
strawberry.enum(Role, name="Role")
strawberry.enum(MessageSource, name="MessageSource")
strawberry.enum(InboundStatus, name="InboundMailStatus")
strawberry.enum(OutboundStatus, name="OutboundMailStatus")
strawberry.enum(TicketSortField, name="TicketSortField")

__all__ = [
    "InboundStatus",
    "MessageSource",
    "OutboundStatus",
    "Role",
    "SortDirection",
    "TicketEventType",
    "TicketPriority",
    "TicketSortField",
    "TicketStatus",
]


@strawberry.enum
class TicketEventType(Enum):
    CREATED = EventType.CREATED.value
    MESSAGE_ADDED = EventType.MESSAGE_ADDED.value
    NOTE_ADDED = EventType.NOTE_ADDED.value
    UPDATED = EventType.UPDATED.value
    CLOSED = EventType.CLOSED.value
    REOPENED = EventType.REOPENED.value
    ASSIGNED = EventType.ASSIGNED.value


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"
