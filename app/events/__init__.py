"""Events: what changed, written to the outbox with the change and sent on by a relay in every
process (``app.events.outbox``); what they say is in ``app.events.signals``."""

from app.events.outbox import (
    JobQueue,
    Publisher,
    Relay,
    backlog,
    configure,
    current_relay,
    emit,
    emit_account_mail,
    emit_session_change,
    flushed,
    handled,
    record_backlog,
    sinks,
)
from app.events.signals import (
    ACCOUNT_MAIL_CHANNEL,
    SESSIONS_CHANNEL,
    TICKETS_CHANNEL,
    AccountMail,
    EventType,
    SessionReason,
    SessionSignal,
    TicketEvent,
    event_for,
)

__all__ = [
    "ACCOUNT_MAIL_CHANNEL",
    "SESSIONS_CHANNEL",
    "TICKETS_CHANNEL",
    "AccountMail",
    "EventType",
    "JobQueue",
    "Publisher",
    "Relay",
    "SessionReason",
    "SessionSignal",
    "TicketEvent",
    "backlog",
    "configure",
    "current_relay",
    "emit",
    "emit_account_mail",
    "emit_session_change",
    "event_for",
    "flushed",
    "handled",
    "record_backlog",
    "sinks",
]
