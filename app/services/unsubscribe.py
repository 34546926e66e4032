"""Unsubscribing by a mailed link: a CC'd contact takes its address off a ticket's CCs, a
follower stops following, without signing in.

The signed token (``app.auth.unsubscribe_links``) is the only credential and names one ticket
and one contact or user: it can do nothing else. ``describe`` says what a link would do and
changes nothing (the page a GET shows; mail scanners follow links); ``unsubscribe`` does it
(the page's POST, or a mail program's RFC 8058 one-click POST). A forged, expired or
malformed token is ``ValidationFailed`` on ``token`` and changes nothing; a second use finds
nothing left to remove and changes nothing. Each removal is audited (``cc``, by the system,
for a contact; ``followers``, by the follower) and live (``UPDATED``: a CC change reaches the
client's page too, a follower change staff only).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.auth import policy
from app.auth.actor import SYSTEM, actor_for
from app.auth.unsubscribe_links import UnsubscribeClaim, check_token
from app.config import Settings
from app.errors import ValidationFailed
from app.events import EventType, event_for
from app.models import Contact, Ticket, TicketCc, TicketFollower, User
from app.services import audit, contacts
from app.services.ticket_changes import ticket_changes

INVALID = "This link is not valid or has expired."


@dataclass(frozen=True)
class LinkState:
    ticket_number: int
    email: str  # the address the link takes off the ticket
    following: bool  # a follower's link (else a contact's)
    subscribed: bool  # whether there is still something to remove
    changed: bool = False  # whether this request removed it


async def _claim(token: str, settings: Settings) -> tuple[UnsubscribeClaim, Ticket, str]:
    claim = check_token(token, settings=settings)
    ticket = await Ticket.get_or_none(id=claim.ticket_id) if claim is not None else None
    if claim is None or ticket is None:
        raise ValidationFailed.single("token", INVALID)
    if claim.contact_id is not None:
        contact = await Contact.get_or_none(id=claim.contact_id)
        if contact is None or not policy.unsubscribe_link_applies(ticket, contact=contact):
            raise ValidationFailed.single("token", INVALID)
        return claim, ticket, contact.email
    user = await User.get_or_none(id=claim.user_id)
    if user is None:
        raise ValidationFailed.single("token", INVALID)
    return claim, ticket, user.email


async def _subscribed(claim: UnsubscribeClaim) -> bool:
    if claim.contact_id is not None:
        return await TicketCc.filter(
            ticket_id=claim.ticket_id, contact_id=claim.contact_id
        ).exists()
    return await TicketFollower.filter(ticket_id=claim.ticket_id, user_id=claim.user_id).exists()


async def describe(*, token: str, settings: Settings) -> LinkState:
    """What the link would do now; changes nothing."""
    claim, ticket, email = await _claim(token, settings)
    return LinkState(
        ticket_number=ticket.number,
        email=email,
        following=claim.user_id is not None,
        subscribed=await _subscribed(claim),
    )


async def unsubscribe(*, token: str, settings: Settings) -> LinkState:
    """Take the link's contact off its ticket's CCs (or stop its follower following)."""
    claim, ticket, email = await _claim(token, settings)
    async with ticket_changes() as change:
        locked = await change.lock(ticket.id)
        connection = change.connection
        if claim.contact_id is not None:
            before = await contacts.current(connection, locked.id)
            if claim.contact_id not in {c.id for c in before}:
                locked.version -= 1
                return LinkState(locked.number, email, following=False, subscribed=False)
            await (
                TicketCc.filter(ticket_id=locked.id, contact_id=claim.contact_id)
                .using_db(connection)
                .delete()
            )
            after = [c for c in before if c.id != claim.contact_id]
            await audit.record(
                connection,
                actor=SYSTEM,
                ticket=locked,
                field="cc",
                old=contacts.listed(before),
                new=contacts.listed(after),
            )
            await change.save(locked)
            change.emit(event_for(locked, EventType.UPDATED, changes=("cc",)))
            return LinkState(locked.number, email, following=False, subscribed=False, changed=True)
        links = TicketFollower.filter(ticket_id=locked.id, user_id=claim.user_id)
        if not await links.using_db(connection).exists():
            locked.version -= 1
            return LinkState(locked.number, email, following=True, subscribed=False)
        await links.using_db(connection).delete()
        user = await User.get(id=claim.user_id, using_db=connection)
        await audit.record(
            connection,
            actor=await actor_for(user),
            ticket=locked,
            field="followers",
            old=user.name,
            new=None,
        )
        await change.save(locked)
        change.emit(
            event_for(
                locked,
                EventType.UPDATED,
                actor=user.id,
                changes=("followers",),
                internal=True,
            )
        )
    return LinkState(locked.number, email, following=True, subscribed=False, changed=True)
