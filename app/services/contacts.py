"""A ticket's CC addresses, inside a caller's ticket change: parsing and checking addresses,
finding or creating the client's contacts, and the audited change itself. The services that
open and answer tickets (and ``app.services.ccs``) call these; nothing here opens a
transaction of its own.

Rules: an address is a valid ``local@domain.tld``; never one of ours (the mail domain, the
sender, a department's address), never staff or an admin, never the ticket's client; at most
``MAX_CCS`` a ticket; at most ``MAX_NEW_CONTACTS_PER_DAY`` addresses a client never had
before, a day (a CC is mail the helpdesk sends to an outside address on a client's word: a
sign-up must not make it a mass mailer). Each is stored as a *contact* of the ticket's client
(address and name, no account). Why a staff member's address is refused is not said (a client
must not learn which addresses are staff accounts): it "cannot be copied".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from email.utils import getaddresses

from tortoise.backends.base.client import BaseDBAsyncClient

from app.auth import policy
from app.auth.actor import Actor
from app.config import Settings
from app.errors import ValidationFailed
from app.i18n import Msg
from app.infra.clock import now
from app.models import Contact, Department, Ticket, TicketCc, User
from app.services import audit
from app.services.rows import loaded, plan_of, rows_in

MAX_CCS = 10
"""CC addresses a ticket carries at most."""
MAX_NEW_CONTACTS_PER_DAY = 20
"""Addresses a client may have CC'd for the first time in any 24 hours (all tickets)."""
MAX_NAME = 200
_ADDRESS = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class CcAddress:
    email: str  # lower-cased
    name: str = ""


def parse(values: Sequence[str]) -> tuple[list[CcAddress], list[str]]:
    """The addresses ``values`` name ("Name <a@b.c>" or "a@b.c"), each once, and the values
    that are not a valid address."""
    good: dict[str, CcAddress] = {}
    bad: list[str] = []
    for value in values:
        text = (value or "").strip()
        pairs = getaddresses([text]) if text else []
        if len(pairs) != 1:
            bad.append(text)
            continue
        name, address = pairs[0]
        address = address.strip().lower()
        if len(address) > 254 or not _ADDRESS.match(address) or ".." in address:
            bad.append(text)
            continue
        clean = re.sub(r"[\x00-\x1f\x7f]+", " ", name).strip()[:MAX_NAME]
        good.setdefault(address, CcAddress(email=address, name=clean))
    return list(good.values()), bad


async def refusals(
    wanted: Sequence[CcAddress], ticket: Ticket, settings: Settings, client_email: str
) -> dict[str, str]:
    """Why each address of ``wanted`` may not be CC'd on ``ticket`` (address -> the reason, a
    sentence naming the address, translated where it is shown)."""
    emails = [cc.email for cc in wanted]
    if not emails:
        return {}
    departments = await Department.filter(email__in=emails).values_list("email", flat=True)
    ours = {settings.sender_address.lower(), *(str(d).lower() for d in departments)}
    users = {u.email.lower(): u for u in await User.filter(email__in=emails)}
    found: dict[str, str] = {}
    domain = settings.mail_domain.lower()
    for email in emails:
        if email in ours or email.rsplit("@", 1)[-1] == domain:
            found[email] = Msg("{email} is one of the helpdesk's own addresses", email=email)
        elif email == client_email.lower():
            found[email] = Msg("{email} is the ticket's client", email=email)
        elif not policy.may_be_cc(users.get(email)):
            found[email] = Msg("{email} cannot be copied on a ticket", email=email)
    return found


async def current(connection: BaseDBAsyncClient | None, ticket_id: int) -> list[Contact]:
    """The contacts CC'd on a ticket, in the order they were added."""
    query = TicketCc.filter(ticket_id=ticket_id).select_related("contact").order_by("id")
    if connection is not None:
        query = query.using_db(connection)
    return [link.contact for link in await query]


async def of_tickets(ticket_ids: Sequence[int]) -> list[list[Contact]]:
    """Each ticket's CC'd contacts, for all of ``ticket_ids`` in one query (a DataLoader's)."""
    grouped: dict[int, list[Contact]] = defaultdict(list)
    columns, plan = plan_of(Contact)
    rows = await rows_in(  # built once per number of tickets (the ticket page: one)
        TicketCc,
        "contacts CC'd on tickets",
        lambda ids: (
            TicketCc.filter(ticket_id__in=ids)
            .order_by("id")
            .values_list("ticket_id", *(f"contact__{column}" for column in columns))
        ),
        ticket_ids,
    )
    for row in rows:
        grouped[row[0]].append(loaded(Contact, plan, row, 1, partial=False))
    return [grouped[i] for i in ticket_ids]


async def is_cc(ticket_id: int, contact_id: int) -> bool:
    return await TicketCc.filter(ticket_id=ticket_id, contact_id=contact_id).exists()


async def _contact(connection: BaseDBAsyncClient, client_id: int, cc: CcAddress) -> Contact:
    contact = await Contact.filter(client_id=client_id, email=cc.email).using_db(connection).first()
    if contact is None:
        return await Contact.create(
            client_id=client_id,
            email=cc.email,
            name=cc.name,
            created_at=now(),
            using_db=connection,
        )
    if cc.name and not contact.name:
        contact.name = cc.name
        await contact.save(using_db=connection, update_fields=["name"])
    return contact


async def _within_daily_new(
    connection: BaseDBAsyncClient, client_id: int, adding: list[CcAddress], *, strict: bool
) -> list[CcAddress]:
    """``adding``, if the addresses the client never had among its contacts keep within
    ``MAX_NEW_CONTACTS_PER_DAY``; else (``strict``) ``ValidationFailed``, or those over left
    out (mail)."""
    if not adding:
        return adding
    known = set(
        await Contact.filter(client_id=client_id, email__in=[cc.email for cc in adding])
        .using_db(connection)
        .values_list("email", flat=True)
    )
    recent = (
        await Contact.filter(client_id=client_id, created_at__gte=now() - timedelta(days=1))
        .using_db(connection)
        .count()
    )
    room = max(MAX_NEW_CONTACTS_PER_DAY - recent, 0)
    new = [cc for cc in adding if cc.email not in known]
    if len(new) <= room:
        return adding
    if strict:
        raise ValidationFailed.single(
            "addresses",
            Msg(
                "At most {n} new addresses can be copied in a day; {room} more today.",
                n=MAX_NEW_CONTACTS_PER_DAY,
                room=room,
            ),
        )
    allowed = {cc.email for cc in new[:room]}
    return [cc for cc in adding if cc.email in known or cc.email in allowed]


def listed(contacts: Sequence[Contact]) -> str | None:
    if not contacts:
        return None
    text = ", ".join(contact.email for contact in contacts)
    return text if len(text) <= 255 else text[:254] + "…"


async def change(
    connection: BaseDBAsyncClient,
    *,
    actor: Actor,
    ticket: Ticket,
    settings: Settings,
    wanted: Sequence[CcAddress],
    replace: bool,
    strict: bool,
) -> bool:
    """Inside the caller's change (``ticket`` locked): CC ``wanted`` on the ticket, replacing
    what was there (``replace``) or adding to it. ``strict`` (people asking through the API):
    a refused address or one over the cap answers ``ValidationFailed`` on ``addresses`` and
    nothing changes; otherwise (addresses from mail) they are left out. One audit entry
    (``cc``: the addresses before and after). Returns whether anything changed."""
    client = await User.get(id=ticket.client_id, using_db=connection)
    refused = await refusals(wanted, ticket, settings, client.email)
    if refused and strict:
        named = Msg.joined("; ", list(refused.values()))
        raise ValidationFailed.single(
            "addresses", Msg("These cannot be CC'd: {named}.", named=named)
        )
    wanted = [cc for cc in wanted if cc.email not in refused]
    before = await current(connection, ticket.id)
    have = {contact.email for contact in before}
    if replace:
        keep = [c for c in before if c.email in {cc.email for cc in wanted}]
        adding = [cc for cc in wanted if cc.email not in have]
    else:
        keep = list(before)
        adding = [cc for cc in wanted if cc.email not in have]
    room = MAX_CCS - len(keep)
    if len(adding) > room:
        if strict:
            raise ValidationFailed.single(
                "addresses",
                Msg("A ticket has at most {n} CC addresses; remove one first.", n=MAX_CCS),
            )
        adding = adding[: max(room, 0)]
    adding = await _within_daily_new(connection, ticket.client_id, adding, strict=strict)
    gone = [c for c in before if c not in keep]
    if not adding and not gone:
        return False
    added = [await _contact(connection, ticket.client_id, cc) for cc in adding]
    if gone:
        await (
            TicketCc.filter(ticket_id=ticket.id, contact_id__in=[c.id for c in gone])
            .using_db(connection)
            .delete()
        )
    if added:
        await TicketCc.bulk_create(
            [TicketCc(ticket_id=ticket.id, contact_id=c.id) for c in added], using_db=connection
        )
    await audit.record(
        connection,
        actor=actor,
        ticket=ticket,
        field="cc",
        old=listed(before),
        new=listed([*keep, *added]),
    )
    return True


def label(contact: Contact, client_name: str) -> str:
    """How a contact is shown as an author: ``Name <address> (contact of Client)``, a ``Msg``
    (the words around the names are in the reader's language)."""
    name = contact.name or contact.email.split("@")[0]
    return Msg(
        "{name} <{email}> (contact of {client})", name=name, email=contact.email, client=client_name
    )


def sender_name(contact: Contact, client_name: str) -> str:
    """A contact as the display name of mail we send for them: ``Name (contact of Client)``,
    without the address (a display name holding an address reads as spoofing to mail
    programs)."""
    name = contact.name or contact.email.split("@")[0]
    return Msg("{name} (contact of {client})", name=name, client=client_name)
