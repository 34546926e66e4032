"""Who is mailed about an event.

- new ticket: the client (the acknowledgement with the number, even when they opened it
  themselves) and the assignee, else the department's staff;
- public reply by staff (or the system): the client;
- reply by the client: the assignee, else the department's staff;
- internal note: the assignee only, never the client;
- closed (by hand or automatically): the client;
- assigned: the new assignee;
- escalated by SLA: whom the rule names (the assignee, the department's staff, the admins),
  staff only;
- CC'd contacts (the client's colleagues): the new ticket, every public message but their
  own, and the close; never an internal note, and only while they are CC'd;
- followers (staff): every message and internal note but their own, and the close, while
  the policy lets them see the ticket.

Nobody is mailed about their own change (the acknowledgement aside). "The department's staff"
are the active staff members of the ticket's department. Administrators belong to no
department, so they are mailed as assignee, or when the department has no active staff at
all (then every active administrator gets the mail, so a new ticket never goes unseen).
Every recipient is checked against the access policy when the mail is built.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.auth import policy
from app.auth.actor import actor_for
from app.events import EventType, TicketEvent
from app.models import Contact, Message, Ticket, TicketFollower, User
from app.services import contacts


@dataclass(frozen=True)
class Recipient:
    user: User | None  # None for a contact
    staff_side: bool  # sees the dashboard link and internal notes
    contact: Contact | None = None  # a contact CC'd on the ticket (no account)
    following: bool = False  # mailed only because they follow the ticket

    @property
    def key(self) -> str:
        """Who, in a delivery record's key: ``u<user>`` or ``uc<contact>``."""
        if self.contact is not None:
            return f"uc{self.contact.id}"
        assert self.user is not None
        return f"u{self.user.id}"

    @property
    def name(self) -> str:
        if self.contact is not None:
            return self.contact.name or self.contact.email.split("@")[0]
        assert self.user is not None
        return self.user.name

    @property
    def email(self) -> str:
        if self.contact is not None:
            return self.contact.email
        assert self.user is not None
        return self.user.email


async def department_staff(department_id: int) -> list[User]:
    staff = await User.filter(policy.department_staff(department_id)).distinct().order_by("id")
    if staff:
        return list(staff)
    return list(await User.filter(policy.administrators()).order_by("id"))


async def load_people(
    event: TicketEvent, ticket: Ticket, message: Message | None
) -> dict[int, User]:
    """Client, assignee, author and actor in one query."""
    ids = {ticket.client_id, ticket.assignee_id, event.actor}
    if message is not None:
        ids.add(message.author_id)
    wanted = [i for i in ids if i]
    return {user.id: user for user in await User.filter(id__in=wanted)} if wanted else {}


def _one(people: dict[int, User], user_id: int | None) -> list[User]:
    user = people.get(user_id) if user_id else None
    return [user] if user is not None else []


async def _assignee_or_staff(ticket: Ticket, people: dict[int, User]) -> list[User]:
    if ticket.assignee_id is not None:
        return _one(people, ticket.assignee_id)
    return await department_staff(ticket.department_id)


async def _candidates(
    event: TicketEvent, ticket: Ticket, message: Message | None, people: dict[int, User]
) -> list[User]:
    """The users the rules name, before the author and policy checks."""
    clients = _one(people, ticket.client_id)
    if event.type is EventType.CREATED:
        return clients + await _assignee_or_staff(ticket, people)
    if event.type is EventType.MESSAGE_ADDED and message is not None and not message.internal:
        if message.author_contact_id is not None:
            return await _assignee_or_staff(ticket, people)
        author = people.get(message.author_id) if message.author_id else None
        if author is not None and not policy.works_tickets(author):
            return await _assignee_or_staff(ticket, people)
        return clients
    if event.type in (EventType.NOTE_ADDED, EventType.MESSAGE_ADDED) and message is not None:
        return _one(people, ticket.assignee_id)
    if event.type is EventType.CLOSED:
        return clients
    if event.type is EventType.ESCALATED:
        return await _escalation_recipients(event, ticket, people)
    if event.type is EventType.ASSIGNED and ticket.assignee_id is not None:
        if event.assignee is not None and event.assignee != ticket.assignee_id:
            return []  # reassigned since: the newer event mails the newer assignee
        return _one(people, ticket.assignee_id)
    return []


async def _escalation_recipients(
    event: TicketEvent, ticket: Ticket, people: dict[int, User]
) -> list[User]:
    parts = (event.escalation or "").split("|")
    wanted = set(parts[2].split(",")) if len(parts) > 2 and parts[2] else set()
    users: list[User] = []
    if "assignee" in wanted:
        users += _one(people, ticket.assignee_id)
    if "department" in wanted:
        users += await department_staff(ticket.department_id)
    if "admins" in wanted:
        users += list(await User.filter(policy.administrators()).order_by("id"))
    return [user for user in users if policy.escalation_recipients_ok(user)]


def _by_contact(event: TicketEvent, message: Message | None) -> int | None:
    if message is not None and message.author_contact_id is not None:
        return message.author_contact_id
    return event.contact


async def _with_followers(
    event: TicketEvent, ticket: Ticket, message: Message | None, people: dict[int, User]
) -> tuple[list[User], set[int]]:
    """The rules' users, then the ticket's followers for what followers hear of; and the ids
    of those there only as followers."""
    users = await _candidates(event, ticket, message, people)
    if _by_contact(event, message) is not None and event.type is EventType.MESSAGE_ADDED:
        # A contact wrote: the client hears of it too, as of a colleague's reply.
        users = _one(people, ticket.client_id) + users
    only_following: set[int] = set()
    if event.type in (EventType.MESSAGE_ADDED, EventType.NOTE_ADDED, EventType.CLOSED):
        links = await TicketFollower.filter(ticket_id=ticket.id).select_related("user")
        followers = [link.user for link in sorted(links, key=lambda row: row.user_id)]
        only_following = {f.id for f in followers} - {u.id for u in users}
        users = users + followers
    return users, only_following


async def _contacts_for(
    event: TicketEvent, ticket: Ticket, message: Message | None, internal: bool
) -> list[Recipient]:
    """The contacts CC'd on the ticket now, for a public new ticket, message or close."""
    if event.type not in (EventType.CREATED, EventType.MESSAGE_ADDED, EventType.CLOSED):
        return []
    if event.type is EventType.MESSAGE_ADDED and message is None:
        return []
    author = _by_contact(event, message)
    chosen = []
    for contact in await contacts.current(None, ticket.id):
        if contact.id == author or contact.client_id != ticket.client_id:
            continue
        if policy.contact_gets(internal, cc_now=True):
            chosen.append(Recipient(user=None, staff_side=False, contact=contact))
    return chosen


async def recipients_for(
    event: TicketEvent, ticket: Ticket, message: Message | None, people: dict[int, User]
) -> list[Recipient]:
    """The users (and CC'd contacts) to mail about ``event``, each allowed by the policy to
    see what is mailed. ``people`` holds the ticket's client and assignee and the event's
    author and actor."""
    users, only_following = await _with_followers(event, ticket, message, people)
    internal = (message is not None and message.internal) or event.internal
    chosen: list[Recipient] = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.active:
            continue
        seen.add(user.id)
        is_acknowledgement = event.type is EventType.CREATED and user.id == ticket.client_id
        if user.id == event.actor and not is_acknowledgement:
            continue
        actor = await actor_for(user)
        if not policy.can_view_message_fields(
            actor, ticket.department_id, ticket.client_id, internal
        ):
            continue
        chosen.append(
            Recipient(
                user=user,
                staff_side=policy.works_tickets(actor),
                following=user.id in only_following,
            )
        )
    taken = {r.email.lower() for r in chosen}
    for recipient in await _contacts_for(event, ticket, message, internal):
        if recipient.email.lower() not in taken:
            taken.add(recipient.email.lower())
            chosen.append(recipient)
    return chosen
