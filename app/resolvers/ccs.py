"""CC and followers: set a ticket's CC addresses, follow and unfollow it."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.tickets import FollowTicketResult, SetTicketCcsResult, Ticket
from app.services import ccs


@strawberry.type
class CcMutations:
    @mutation(
        description="Replace the ticket's CC addresses (the client's colleagues; [] removes "
        "them all): staff who work the ticket, admins and its client. Audited and live."
    )
    async def set_ticket_ccs(
        self, info: Info, number: int, addresses: list[str]
    ) -> SetTicketCcsResult:
        ticket = await ccs.set_ticket_ccs(
            actor=info.context.actor,
            settings=info.context.settings,
            number=number,
            addresses=addresses,
        )
        return Ticket.of(ticket, info.context.actor)

    @mutation(
        description="Staff who may see the ticket, and admins: get its notifications (internal "
        "notes too) without being assigned."
    )
    async def follow_ticket(self, info: Info, number: int) -> FollowTicketResult:
        ticket = await ccs.set_following(actor=info.context.actor, number=number, following=True)
        return Ticket.of(ticket, info.context.actor)

    @mutation(description="Stop following the ticket.")
    async def unfollow_ticket(self, info: Info, number: int) -> FollowTicketResult:
        ticket = await ccs.set_following(actor=info.context.actor, number=number, following=False)
        return Ticket.of(ticket, info.context.actor)
