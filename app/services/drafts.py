"""Reply drafts: what a user is writing on a ticket, kept on the server per user and ticket
so it survives a reload and follows them to another browser.

One draft a user and ticket (the composer's text and its mode, reply or internal note); saving
replaces it, saving an empty text or ``discard_draft`` removes it, and sending a reply or a note
on the ticket removes the sender's draft in the transaction of the send
(``app.services.messages``). A draft is private to its author and shown only while they may
still write on the ticket (``policy.can_view_draft``). Housekeeping removes drafts untouched for
``DRAFT_RETENTION_DAYS``. Attachments are not kept.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from app.auth import policy
from app.auth.actor import Actor
from app.config import Settings
from app.errors import PermissionDenied, ValidationFailed
from app.i18n import Msg
from app.infra.clock import now
from app.models import Draft, Ticket
from app.services.tickets import get_ticket
from app.services.validation import MAX_BODY_BYTES


async def save_draft(
    *, actor: Actor | None, number: int, body: str, internal: bool = False
) -> tuple[Ticket, Draft | None]:
    """Keep ``body`` as the actor's draft on the ticket (None when the text was empty, which
    removes the draft). Over the message limit is a ``ValidationError`` on ``body``."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    if not policy.can_keep_draft(actor, ticket, internal=internal):
        raise PermissionDenied("Only staff may write internal notes.", field="internal")
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValidationFailed(
            {"body": Msg("A draft must be at most {n} KB, as a message.", n=MAX_BODY_BYTES // 1024)}
        )
    if not body.strip():
        await Draft.filter(user_id=actor.user_id, ticket_id=ticket.id).delete()
        return ticket, None
    stamp = now()
    mine = Draft.filter(user_id=actor.user_id, ticket_id=ticket.id)
    if not await mine.update(body=body, internal=internal, updated_at=stamp):
        try:
            await Draft.create(
                user_id=actor.user_id,
                ticket_id=ticket.id,
                body=body,
                internal=internal,
                updated_at=stamp,
            )
        except IntegrityError:  # another tab's save made it meanwhile: this one is newer
            await mine.update(body=body, internal=internal, updated_at=stamp)
    return ticket, await Draft.get(user_id=actor.user_id, ticket_id=ticket.id)


async def discard_draft(*, actor: Actor | None, number: int) -> Ticket:
    """Remove the actor's draft on the ticket (nothing to remove is no error)."""
    actor = policy.require_user(actor)
    ticket = await get_ticket(actor=actor, number=number)
    await Draft.filter(user_id=actor.user_id, ticket_id=ticket.id).delete()
    return ticket


async def draft_for(actor: Actor | None, ticket: Ticket) -> Draft | None:
    """The viewer's own draft on ``ticket``, while they may still send it; else None."""
    if actor is None:
        return None
    draft = await Draft.filter(user_id=actor.user_id, ticket_id=ticket.id).first()
    if draft is None or not policy.can_view_draft(
        actor, ticket, author_id=draft.user_id, internal=draft.internal
    ):
        return None
    return draft


async def discard_on_send(connection: BaseDBAsyncClient, *, user_id: int, ticket_id: int) -> None:
    """Inside the send's transaction: the sender's draft on the ticket is gone with the send."""
    await Draft.filter(user_id=user_id, ticket_id=ticket_id).using_db(connection).delete()


async def purge_old_drafts(settings: Settings) -> int:
    """How many drafts untouched for ``DRAFT_RETENTION_DAYS`` were removed (0 keeps them)."""
    days = settings.draft_retention_days
    if days <= 0:
        return 0
    return await Draft.filter(updated_at__lt=now() - timedelta(days=days)).delete()
