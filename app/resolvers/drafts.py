"""Reply drafts: saved while typing, removed when sent or discarded."""

from __future__ import annotations

import strawberry

from app.schema.core.context import Info
from app.schema.core.errors import mutation, result_union
from app.schema.tickets import Ticket
from app.services import drafts

SaveDraftResult = result_union("SaveDraftResult", Ticket)
DiscardDraftResult = result_union("DiscardDraftResult", Ticket)


@strawberry.type
class DraftMutations:
    @mutation(
        description="Keeps the caller's unsent text on a ticket (one draft a user and ticket; "
        "this one replaces it, an empty body removes it). At most the size of a message. "
        "Answers the ticket, whose draft is then this one."
    )
    async def save_draft(
        self, info: Info, number: int, body: str, internal: bool = False
    ) -> SaveDraftResult:
        ticket, _ = await drafts.save_draft(
            actor=info.context.actor, number=number, body=body, internal=internal
        )
        return Ticket.of(ticket, info.context.actor)

    @mutation(description="Removes the caller's draft on a ticket (sending removes it too).")
    async def discard_draft(self, info: Info, number: int) -> DiscardDraftResult:
        return Ticket.of(
            await drafts.discard_draft(actor=info.context.actor, number=number),
            info.context.actor,
        )
