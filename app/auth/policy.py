"""The one access policy. Every entry point (GraphQL, subscriptions, downloads, mail) asks here.

Rules: anonymous sees nothing; a client sees only their own tickets and never internal notes;
staff see only tickets of their departments; admins see everything.
"""

from __future__ import annotations

from tortoise.expressions import Q

from app.auth.actor import Actor
from app.errors import NotAuthenticated, PermissionDenied
from app.models import Ticket


def ticket_scope(actor: Actor | None) -> Q:
    """A filter selecting exactly the tickets ``actor`` may see."""
    if actor is None:
        return Q(id__in=[])
    if actor.is_admin:
        return Q()
    if actor.is_client:
        return Q(client_id=actor.user_id)
    return Q(department_id__in=list(actor.department_ids))


def can_view_ticket(actor: Actor | None, ticket: Ticket) -> bool:
    """In-memory twin of ``ticket_scope``; used per event without a database round trip."""
    return can_view_ticket_fields(actor, ticket.department_id, ticket.client_id)


def can_view_ticket_fields(actor: Actor | None, department_id: int, client_id: int) -> bool:
    if actor is None:
        return False
    if actor.is_admin:
        return True
    if actor.is_client:
        return client_id == actor.user_id
    return department_id in actor.department_ids


def can_see_internal(actor: Actor | None) -> bool:
    return actor is not None and actor.is_staff


def can_access_department(actor: Actor | None, department_id: int) -> bool:
    """May work tickets of (or be assigned tickets in) this department."""
    if actor is None or not actor.is_staff:
        return False
    return actor.is_admin or department_id in actor.department_ids


def require_user(actor: Actor | None) -> Actor:
    if actor is None:
        raise NotAuthenticated("Sign in first.")
    return actor


def require_staff(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_staff:
        raise PermissionDenied("Only staff may do this.")
    return actor


def require_admin(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_admin:
        raise PermissionDenied("Only administrators may do this.")
    return actor


def can_reply(actor: Actor | None, ticket: Ticket) -> bool:
    return can_view_ticket(actor, ticket)


def can_close(actor: Actor | None, ticket: Ticket) -> bool:
    """Staff of the department, or the ticket's own client."""
    return can_view_ticket(actor, ticket)


def can_manage_ticket(actor: Actor | None, ticket: Ticket) -> bool:
    """Change status, priority, department or assignee: staff with access only."""
    return actor is not None and actor.is_staff and can_view_ticket(actor, ticket)


def can_assign_to(assignee: Actor, ticket_department_id: int) -> bool:
    return can_access_department(assignee, ticket_department_id)
