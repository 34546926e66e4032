"""GraphQL enums: the stored enums exposed by name (OPEN, HIGH, STAFF ...)."""

from __future__ import annotations

from enum import Enum

import strawberry

from app import models
from app.events import EventType
from app.services.ticket_list import SortField

TicketStatus = strawberry.enum(models.TicketStatus, name="TicketStatus")
TicketPriority = strawberry.enum(models.TicketPriority, name="TicketPriority")
Role = strawberry.enum(models.Role, name="Role")
MessageSource = strawberry.enum(models.MessageSource, name="MessageSource")
InboundStatus = strawberry.enum(models.InboundStatus, name="InboundMailStatus")
OutboundStatus = strawberry.enum(models.OutboundStatus, name="OutboundMailStatus")
TicketSortField = strawberry.enum(SortField, name="TicketSortField")


@strawberry.enum
class TicketEventType(Enum):
    CREATED = EventType.CREATED.value
    MESSAGE_ADDED = EventType.MESSAGE_ADDED.value
    NOTE_ADDED = EventType.NOTE_ADDED.value
    UPDATED = EventType.UPDATED.value
    CLOSED = EventType.CLOSED.value
    REOPENED = EventType.REOPENED.value
    ASSIGNED = EventType.ASSIGNED.value
    RESYNC = "RESYNC"


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"
