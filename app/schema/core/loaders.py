"""DataLoaders, created fresh per request (and per subscription event) in the context."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from app.models import (
    Attachment,
    Contact,
    Department,
    Message,
    Tag,
    Ticket,
    TicketRating,
    User,
)
from app.services.ccs import followers_of
from app.services.contacts import of_tickets as ccs_of
from app.services.directory import every_department
from app.services.ratings import current_ratings
from app.services.rows import models_of
from app.services.tags import tags_of


async def _users(ids: Sequence[int]) -> list[User | None]:
    found = {u.id: u for u in await User.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def _departments(ids: Sequence[int]) -> list[Department | None]:
    found = {d.id: d for d in await Department.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def _tickets(ids: Sequence[int]) -> list[Ticket | None]:
    found = {t.id: t for t in await Ticket.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def _messages(ids: Sequence[int]) -> list[Message | None]:
    found = {m.id: m for m in await Message.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def _contacts(ids: Sequence[int]) -> list[Contact | None]:
    found = {c.id: c for c in await Contact.filter(id__in=list(ids))}
    return [found.get(i) for i in ids]


async def _attachments(message_ids: Sequence[int]) -> list[list[Attachment]]:
    grouped: dict[int, list[Attachment]] = defaultdict(list)
    query = Attachment.filter(message_id__in=list(message_ids)).order_by("id")
    for row in await models_of(query):
        grouped[row.message_id].append(row)
    return [grouped[i] for i in message_ids]


@dataclass
class Loaders:
    users: DataLoader[int, User | None] = field(default_factory=lambda: DataLoader(_users))
    departments: DataLoader[int, Department | None] = field(init=False)
    tickets: DataLoader[int, Ticket | None] = field(default_factory=lambda: DataLoader(_tickets))
    messages: DataLoader[int, Message | None] = field(default_factory=lambda: DataLoader(_messages))
    attachments: DataLoader[int, list[Attachment]] = field(
        default_factory=lambda: DataLoader(_attachments)
    )
    # A page's tickets' tags in one query.
    ticket_tags: DataLoader[int, list[Tag]] = field(default_factory=lambda: DataLoader(tags_of))
    # CC and followers: a page's tickets' CC'd contacts and followers, one query each.
    ticket_ccs: DataLoader[int, list[Contact]] = field(default_factory=lambda: DataLoader(ccs_of))
    ticket_followers: DataLoader[int, list[User]] = field(
        default_factory=lambda: DataLoader(followers_of)
    )
    contacts: DataLoader[int, Contact | None] = field(default_factory=lambda: DataLoader(_contacts))
    # A page's tickets' current ratings in one query.
    ticket_ratings: DataLoader[int, TicketRating | None] = field(
        default_factory=lambda: DataLoader(current_ratings)
    )

    _every_department: asyncio.Future[list[Department]] | None = field(
        default=None, init=False, repr=False
    )

    def __post_init__(self) -> None:
        self.departments = DataLoader(self._departments_by_id)

    def every_department(self) -> asyncio.Future[list[Department]]:
        """Every department by name, read once per request however often it is asked for (a
        ticket page's departments, move targets and its ticket's department)."""
        if self._every_department is None:
            self._every_department = asyncio.ensure_future(every_department())
        return self._every_department

    async def _departments_by_id(self, ids: Sequence[int]) -> list[Department | None]:
        # Answered from every department when this request has read them (or is reading).
        if self._every_department is not None:
            found = {d.id: d for d in await self._every_department}
            if all(i in found for i in ids):
                return [found[i] for i in ids]
        return await _departments(ids)

    async def ticket_number(self, ticket_id: int | None) -> int | None:
        """The number of the ticket with this id (None for none, or when it is gone)."""
        if ticket_id is None:
            return None
        ticket = await self.tickets.load(ticket_id)
        return ticket.number if ticket else None

    def prime_from_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Seed the loaders with relations a list query already joined (select_related)."""
        for ticket in tickets:
            # A fetched relation reads as the model itself; an unfetched one as a query.
            department = ticket.department
            if isinstance(department, Department):
                self.departments.prime(department.id, department)
            for user in (ticket.client, ticket.assignee):
                if isinstance(user, User):
                    self.users.prime(user.id, user)
