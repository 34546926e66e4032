"""Small helpers for the core tests: open tickets and post through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.config import get_settings
from app.infra.clock import clock
from app.models import Ticket
from app.services import messages, tickets

OPEN_TICKET = """
mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename
  ... on Ticket { number status priority subject department { id name } client { id name } }
  ... on Error { message code field }
  ... on ValidationError { fieldErrors { field message } } } }
"""

REPLY = """
mutation($input: ReplyInput!) { replyToTicket(input: $input) {
  __typename ... on Message { id body internal author { name } }
  ... on Error { message code field } } }
"""

NOTE = """
mutation($input: NoteInput!) { addInternalNote(input: $input) {
  __typename ... on Message { id body internal }
  ... on Error { message code field } } }
"""

UPDATE = """
mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
  __typename ... on Ticket { number status priority department { id } assignee { id name } }
  ... on Error { message code field }
  ... on ValidationError { fieldErrors { field message } } } }
"""

CLOSE = """
mutation($number: Int!) { closeTicket(number: $number) {
  __typename ... on Ticket { number status closedAt } ... on Error { message code field } } }
"""

TICKET = """
query($number: Int!) { ticket(number: $number) {
  number status subject lastActivityAt closedAt
  assignee { id }
  messages { edges { node { body internal source author { name } } } }
  auditTrail { edges { node { field oldValue newValue actor { name } } } } } }
"""


async def open_as(
    person, department, subject: str = "Printer on fire", body: str = "Help"
) -> Ticket:
    opened = await tickets.open_ticket(
        actor=person.actor,
        department_id=department.id,
        subject=subject,
        body=body,
        settings=get_settings(),
    )
    return opened.ticket


async def open_ago(
    ago: timedelta,
    person,
    department,
    subject: str = "Invoices missing",
    body: str = "All of March",
) -> Ticket:
    """A ticket opened ``ago`` (the server's clock moved back for the opening, then let go)."""
    clock.freeze(datetime.now(UTC) - ago)
    try:
        return await open_as(person, department, subject, body)
    finally:
        clock.unfreeze()


async def note_as(person, ticket: Ticket, body: str = "secret note") -> None:
    await messages.add_internal_note(
        actor=person.actor, number=ticket.number, body=body, settings=get_settings()
    )
