"""Clients for staff: the Clients page (search, paged) and one client's page."""

from __future__ import annotations

import strawberry

from app.schema.clients import Client, ClientConnection
from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.core.ids import lookup_id
from app.services import clients


@strawberry.type
class ClientQueries:
    @strawberry.field(
        description="Staff: clients with tickets in their departments; admins: every client. "
        "By name, then id; search matches any part of the name or email. Empty for clients."
    )
    async def clients(
        self,
        info: Info,
        search: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> ClientConnection:
        key = pagination.decode_cursor(after, "client", max_text=clients.MAX_NAME)
        rows, has_next = await clients.list_clients(
            actor=info.context.actor,
            search=search,
            first=pagination.checked_first(first),
            after=None if key is None else clients.client_position(key),
        )
        return pagination.connection(
            ClientConnection,
            "client",
            [Client.of(row) for row in rows],
            [[row.user.name, row.user.id] for row in rows],
            has_next=has_next,
            after=after,
        )

    @strawberry.field(description="One client the viewer may look up (as clients); else null.")
    async def client(self, info: Info, id: strawberry.ID) -> Client | None:
        client_id = lookup_id(id)  # a malformed id is no client, as a missing one
        if client_id is None:
            return None
        found = await clients.get_client(actor=info.context.actor, client_id=client_id)
        return None if found is None else Client.of(found)
