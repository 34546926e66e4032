"""DataLoaders, created fresh per request (and per subscription event) in the context."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from strawberry.dataloader import DataLoader

from app.auth.actor import Actor
from app.models import (
    Attachment,
    Contact,
    Department,
    Message,
    Role,
    Tag,
    Ticket,
    TicketRating,
    User,
)
from app.services.ccs import followers_of
from app.services.contacts import of_tickets as ccs_of
from app.services.directory import UserPosition, every_department, list_users
from app.services.directory_cache import DirectoryCache
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
    # This app's departments and users kept in the process, and the actor generation this
    # request read (an HTTP request's; None for a socket's events); used only once the
    # executor has said the operation is a query (``for_operation``).
    directory: DirectoryCache | None = None
    generation: bytes | None = None
    _query: bool = field(default=False, init=False, repr=False)
    users: DataLoader[int, User | None] = field(init=False)
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
        self.users = DataLoader(self._users_by_id)

    def kept(self) -> tuple[DirectoryCache, bytes] | None:
        """The process's directory cache and this request's generation, if it may use them."""
        if not self._query or self.directory is None or self.generation is None:
            return None
        return self.directory, self.generation

    def for_operation(self, query: bool) -> None:
        """Only a query reads departments and users from the process's cache: a mutation's
        answer must show its own change (made after this request read the generation), and a
        subscription lives on past it."""
        self._query = query

    def every_department(self) -> asyncio.Future[list[Department]]:
        """Every department by name, read once per request however often it is asked for (a
        ticket page's departments, move targets and its ticket's department)."""
        if self._every_department is None:
            kept = self.kept()
            self._every_department = asyncio.ensure_future(
                every_department() if kept is None else kept[0].every_department(kept[1])
            )
        return self._every_department

    async def list_users(
        self,
        *,
        actor: Actor | None,
        role: Role | None,
        department_id: int | None,
        first: int,
        after: UserPosition | None,
    ) -> tuple[list[User], bool]:
        """``directory.list_users``, through the process's cache when this request may use it."""
        kept = self.kept()
        if kept is None:
            return await list_users(
                actor=actor, role=role, department_id=department_id, first=first, after=after
            )
        return await kept[0].list_users(
            kept[1], actor=actor, role=role, department_id=department_id, first=first, after=after
        )

    async def _users_by_id(self, ids: Sequence[int]) -> list[User | None]:
        kept = self.kept()
        if kept is None:
            return await _users(ids)
        found = await kept[0].users(kept[1], ids)
        return [found.get(i) for i in ids]

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
