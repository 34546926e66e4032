"""Tortoise models, one module per aggregate; migrations live in ``app/models/migrations``."""

from app.models.contacts import Contact, TicketCc, TicketFollower
from app.models.drafts import Draft
from app.models.enums import (
    InboundStatus,
    MessageSource,
    OutboundStatus,
    RatingScore,
    RatingSource,
    Role,
    TicketPriority,
    TicketStatus,
    TokenKind,
)
from app.models.mail import InboundMail, OutboundMail
from app.models.outbox import OutboxEvent
from app.models.ratings import TicketRating
from app.models.sla import (
    BusinessCalendar,
    EscalationFiring,
    EscalationRule,
    SlaPolicy,
    SlaTarget,
)
from app.models.tickets import (
    SLA_NONE_KEY,
    Attachment,
    AuditEntry,
    CannedResponse,
    Message,
    Tag,
    Ticket,
    TicketSequence,
    TicketTag,
)
from app.models.users import AccountAudit, AuthToken, Department, Setting, User
from app.models.views import SavedView

__all__ = [
    "SLA_NONE_KEY",
    "AccountAudit",
    "Attachment",
    "AuditEntry",
    "AuthToken",
    "BusinessCalendar",
    "CannedResponse",
    "Contact",
    "Department",
    "Draft",
    "EscalationFiring",
    "EscalationRule",
    "InboundMail",
    "InboundStatus",
    "Message",
    "MessageSource",
    "OutboundMail",
    "OutboundStatus",
    "OutboxEvent",
    "RatingScore",
    "RatingSource",
    "Role",
    "SavedView",
    "Setting",
    "SlaPolicy",
    "SlaTarget",
    "Tag",
    "Ticket",
    "TicketCc",
    "TicketFollower",
    "TicketPriority",
    "TicketRating",
    "TicketSequence",
    "TicketStatus",
    "TicketTag",
    "TokenKind",
    "User",
]
