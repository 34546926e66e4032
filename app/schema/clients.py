"""Clients as staff look them up: the Clients page and a client's page."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.schema.core.pagination import Connection
from app.schema.tickets import StatusCount
from app.services import clients
from app.services.ticket_list import STATUS_ORDER


@strawberry.type(description="A client, with their tickets the viewer sees (staff only).")
class Client:
    id: strawberry.ID
    name: str
    email: str
    active: bool
    ticket_count: int = strawberry.field(description="Their tickets the viewer sees.")
    last_activity_at: datetime | None = strawberry.field(
        description="The last activity of those tickets."
    )
    counts: list[StatusCount] = strawberry.field(description="Those tickets by status.")

    @classmethod
    def of(cls, found: clients.ClientSummary) -> Client:
        return cls(
            id=strawberry.ID(str(found.user.id)),
            name=found.user.name,
            email=found.user.email,
            active=found.user.active,
            ticket_count=found.ticket_count,
            last_activity_at=found.last_activity_at,
            counts=[StatusCount(status=s, count=found.statuses.get(s, 0)) for s in STATUS_ORDER],
        )


@strawberry.type
class ClientConnection(Connection[Client]):
    pass
