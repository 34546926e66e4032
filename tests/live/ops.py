"""What the live tests do besides subscribing: GraphQL operations over HTTP (through the `gql`
fixture), and tickets opened through the services."""

from __future__ import annotations

from typing import Any

from app import events
from app.config import get_settings
from app.models import Department, Ticket
from app.services import tickets

OPEN = """
mutation($input: OpenTicketInput!) { openTicket(input: $input) {
  __typename ... on Ticket { number } ... on Error { code message } } }
"""
REPLY = """
mutation($n: Int!, $body: String!) { replyToTicket(input: {number: $n, body: $body}) {
  __typename ... on Message { id } ... on Error { code message } } }
"""
NOTE = """
mutation($n: Int!, $body: String!) { addInternalNote(input: {number: $n, body: $body}) {
  __typename ... on Message { id } ... on Error { code message } } }
"""
UPDATE = """
mutation($input: UpdateTicketInput!) { updateTicket(input: $input) {
  __typename ... on Ticket { number } ... on Error { code message } } }
"""
CLOSE = """
mutation($n: Int!) { closeTicket(number: $n) {
  __typename ... on Ticket { number } ... on Error { code message } } }
"""
UPDATE_USER = """
mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { id } ... on Error { code message } } }
"""
LOGIN = """
mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Session { token } ... on Error { code message } } }
"""
REPORT_PRESENCE = """
mutation($n: Int!, $state: PresenceState!) { reportPresence(number: $n, state: $state) {
  __typename
  ... on PresenceReport { number state heartbeatSeconds expiresAt }
  ... on Error { code message field } } }
"""


def summary(result: dict) -> tuple:
    """(type, status, message body or None) of a ticketEvents/ticketListEvents result."""
    event = next(iter(result.values()))
    message = event["message"]
    return (event["type"], event["ticket"]["status"], message["body"] if message else None)


async def open_ticket(person: Any, department: Department, subject: str = "Printer") -> Ticket:
    """A ticket opened by ``person`` (a client of the ``world`` fixture) through the service."""
    opened = await tickets.open_ticket(
        actor=person.actor,
        department_id=department.id,
        subject=subject,
        body=f"{subject}: it does not work",
        settings=get_settings(),
    )
    await events.flushed()  # its CREATED event is out before the test subscribes
    return opened.ticket
