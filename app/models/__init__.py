"""Tortoise models, one module per aggregate; migrations live in ``app/models/migrations``."""

from app.models.enums import (
    InboundStatus,
    MessageSource,
    OutboundStatus,
    Role,
    TicketPriority,
    TicketStatus,
    TokenKind,
)
from app.models.mail import InboundMail, OutboundMail
from app.models.outbox import OutboxEvent
from app.models.tickets import (
    Attachment,
    AuditEntry,
    CannedResponse,
    Message,
    Tag,
    Ticket,
    TicketSequence,
    TicketTag,
)
from app.models.users import AuthToken, Department, Setting, User
from app.models.views import SavedView

__all__ = [
    "Attachment",
    "AuditEntry",
    "AuthToken",
    "CannedResponse",
    "Department",
    "InboundMail",
    "InboundStatus",
    "Message",
    "MessageSource",
    "OutboundMail",
    "OutboundStatus",
    "OutboxEvent",
    "Role",
    "SavedView",
    "Setting",
    "Tag",
    "Ticket",
    "TicketPriority",
    "TicketSequence",
    "TicketStatus",
    "TicketTag",
    "TokenKind",
    "User",
]
