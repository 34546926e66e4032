"""The one access policy. Every entry point (GraphQL, subscriptions, downloads, mail) asks here,
and nothing outside ``app/auth`` looks at a role (``tests/test_architecture.py`` checks).

Rules: anonymous sees nothing; a client sees only their own tickets and never internal notes;
staff see only tickets of their departments; admins see everything.

Each list has one scope (a filter) that answers for every role, and each check an in-memory
twin where events need one (``*_fields``: decided from an event's fields, no database).
"""

from __future__ import annotations

from collections.abc import Hashable

from tortoise.expressions import Q, Subquery

from app.auth.actor import Actor
from app.errors import NotAuthenticated, PermissionDenied
from app.models import Contact, Message, Role, SavedView, Ticket, User

NOTHING = Q(id__in=[])
"""A scope that selects no row."""

# Who is asking ------------------------------------------------------------------------------


def require_user(actor: Actor | None) -> Actor:
    if actor is None:
        raise NotAuthenticated("Sign in first.")
    return actor


def require_staff(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_staff:
        raise PermissionDenied("Only staff may do this.")
    return actor


def require_admin(actor: Actor | None) -> Actor:
    actor = require_user(actor)
    if not actor.is_admin:
        raise PermissionDenied("Only administrators may do this.")
    return actor


def works_tickets(who: Actor | User | None) -> bool:
    """Staff and admins: they answer tickets (a public reply sets Answered), read internal
    notes and get the staff side of mail. Clients and the anonymous do not."""
    return who is not None and who.role in (Role.STAFF, Role.ADMIN)


def viewer_key(actor: Actor) -> tuple[Role, frozenset[int], int | None]:
    """Everything of ``actor`` the ticket and message checks below read: two actors with the
    same key get the same answer from each of them (``can_view_ticket*``,
    ``can_view_message*``), so a decision made for one may be reused for the other. A client's
    key holds their user id (they see their own tickets); staff and admins decide by role and
    departments. Change this with those checks (``tests/core/test_policy_viewer_key.py``)."""
    return actor.role, actor.department_ids, actor.user_id if actor.is_client else None


def can_administer(actor: Actor | None) -> bool:
    """Settings, departments, users, canned responses and the mail logs: admins only."""
    return actor is not None and actor.is_admin


# Tickets ------------------------------------------------------------------------------------


def ticket_scope(actor: Actor | None) -> Q:
    """A filter selecting exactly the tickets ``actor`` may see."""
    if actor is None:
        return NOTHING
    if actor.is_admin:
        return Q()
    if actor.is_client:
        return Q(client_id=actor.user_id)
    return Q(department_id__in=list(actor.department_ids))


def ticket_scope_key(actor: Actor | None) -> Hashable:
    """Everything of ``actor`` that ``ticket_scope`` reads: two actors with the same key get
    the same filter, so a statement built from one actor's scope may be kept for the other."""
    if actor is None:
        return None
    return actor.role, actor.user_id if actor.is_client else None, actor.department_ids


def can_view_ticket(actor: Actor | None, ticket: Ticket) -> bool:
    """In-memory twin of ``ticket_scope``; used per event without a database round trip."""
    return can_view_ticket_fields(actor, ticket.department_id, ticket.client_id)


def can_view_ticket_fields(actor: Actor | None, department_id: int, client_id: int) -> bool:
    if actor is None:
        return False
    if actor.is_admin:
        return True
    if actor.is_client:
        return client_id == actor.user_id
    return department_id in actor.department_ids


def can_access_department(actor: Actor | None, department_id: int) -> bool:
    """May work tickets of (or be assigned tickets in) this department."""
    if actor is None or not actor.is_staff:
        return False
    return actor.is_admin or department_id in actor.department_ids


def can_open_ticket_in(actor: Actor, department_id: int) -> bool:
    """Clients open tickets in any department; staff only in their own; admins anywhere."""
    return actor.is_client or can_access_department(actor, department_id)


def opens_own_tickets(actor: Actor) -> bool:
    """A client's new ticket is their own; staff open one on behalf of a client they name."""
    return actor.is_client


def ticket_owners() -> Q:
    """The users a ticket may be opened for: active clients."""
    return Q(role=Role.CLIENT, active=True)


def may_own_tickets(user: User) -> bool:
    """Whether staff may open a ticket for this user: an active client."""
    return user.role is Role.CLIENT and user.active


def is_client_role(role: Role) -> bool:
    """Clients (a client created by staff without a password is invited to choose one)."""
    return role is Role.CLIENT


def may_open_tickets_by_mail(user: User) -> bool:
    """Mail to a department address opens a ticket only for a client; staff open tickets on a
    client's behalf in the dashboard."""
    return user.role is Role.CLIENT


def can_reply(actor: Actor | None, ticket: Ticket) -> bool:
    return can_view_ticket(actor, ticket)


def can_close(actor: Actor | None, ticket: Ticket) -> bool:
    """Staff of the department, or the ticket's own client."""
    return can_view_ticket(actor, ticket)


def can_manage_ticket(actor: Actor | None, ticket: Ticket) -> bool:
    """Change status, priority, department or assignee: staff with access only."""
    return works_tickets(actor) and can_view_ticket(actor, ticket)


def can_add_note(actor: Actor | None, ticket: Ticket) -> bool:
    return works_tickets(actor) and can_view_ticket(actor, ticket)


def can_assign_to(assignee: Actor, ticket_department_id: int) -> bool:
    return can_access_department(assignee, ticket_department_id)


def presence_scope(actor: Actor | None) -> Q:
    """The tickets whose presence ``actor`` may report and watch: staff only, so a client
    learns nothing (not even that a ticket exists) from it."""
    return ticket_scope(actor) if works_tickets(actor) else NOTHING


# Messages -----------------------------------------------------------------------------------


def message_scope(actor: Actor | None) -> Q:
    """Of a visible ticket's messages, those ``actor`` may read: internal notes are for staff."""
    return Q() if works_tickets(actor) else Q(internal=False)


def message_scope_key(actor: Actor | None) -> Hashable:
    """What ``message_scope`` decides by: two actors with the same key read the same messages
    of a ticket they see (a kept thread page is keyed by it)."""
    return works_tickets(actor)


def can_view_message(actor: Actor | None, ticket: Ticket, message: Message) -> bool:
    """A message of ``ticket`` (its files too): who sees the ticket, and notes only staff."""
    return can_view_message_fields(actor, ticket.department_id, ticket.client_id, message.internal)


def can_view_message_fields(
    actor: Actor | None, department_id: int, client_id: int, internal: bool
) -> bool:
    """In-memory twin of ``can_view_message``, from an event's fields."""
    if internal and not works_tickets(actor):
        return False
    return can_view_ticket_fields(actor, department_id, client_id)


def can_keep_draft(actor: Actor | None, ticket: Ticket, *, internal: bool) -> bool:
    """Whoever may write on a ticket keeps a draft there: a reply's, anyone who may reply;
    a note's, staff who may add notes."""
    return can_add_note(actor, ticket) if internal else can_reply(actor, ticket)


def can_view_draft(actor: Actor | None, ticket: Ticket, *, author_id: int, internal: bool) -> bool:
    """A draft is private to its author, and only while they could still send it: one who
    lost the ticket (moved department, role, deactivated) no longer sees it."""
    return (
        actor is not None
        and actor.user_id == author_id
        and can_keep_draft(actor, ticket, internal=internal)
    )


def signs_replies(who: Actor | User | None) -> bool:
    """Staff (and admins) sign their public replies with their profile's signature."""
    return works_tickets(who)


def can_see_signature(actor: Actor | None, user_id: int) -> bool:
    """A profile's signature (as set, before it goes out on a reply): its owner and admins."""
    return actor is not None and (actor.is_admin or actor.user_id == user_id)


def sees_ticket_version(actor: Actor | None) -> bool:
    """A ticket's version counts every change, internal notes and tag changes included: only
    those who see those read it (and send it back as ``expectedVersion``). A client who saw it
    go up with nothing new in their view would learn that staff wrote a note."""
    return works_tickets(actor)


def can_view_audit_trail(actor: Actor | None, ticket: Ticket) -> bool:
    return works_tickets(actor) and can_view_ticket(actor, ticket)


# Departments, users and canned responses ----------------------------------------------------


def sees_every_department(actor: Actor | None) -> bool:
    """Clients see every department (to open tickets); staff only their own; admins all."""
    return actor is not None and (actor.is_client or actor.is_admin)


def department_scope(actor: Actor | None) -> Q:
    """The departments ``actor`` sees (``sees_every_department``: all of them)."""
    if actor is None:
        return NOTHING
    if sees_every_department(actor):
        return Q()
    return Q(id__in=list(actor.department_ids))


def moves_to_every_department(actor: Actor | None) -> bool:
    """Where a ticket may be moved (triage): staff and admins, any department; staff moving it
    out of their own departments lose access to it. Others: nowhere."""
    return works_tickets(actor)


def move_target_scope(actor: Actor | None) -> Q:
    return Q() if moves_to_every_department(actor) else NOTHING


def can_see_department_settings(actor: Actor | None) -> bool:
    """A department's mail address and auto-close override: admins only."""
    return can_administer(actor)


def user_scope(actor: Actor | None) -> Q:
    """Admins see everyone; staff the active staff of their own departments (the assignee
    picker); clients and the anonymous nobody."""
    if actor is None or actor.is_client:
        return NOTHING
    if actor.is_admin:
        return Q()
    return Q(
        role__in=[Role.STAFF, Role.ADMIN],
        active=True,
        departments__id__in=list(actor.department_ids),
    )


def sees_every_user(actor: Actor | None) -> bool:
    """Whether ``user_scope`` is everyone for ``actor`` (then every such viewer's page of the
    user list is the same page)."""
    return actor is not None and actor.is_admin


def can_see_email(actor: Actor | None, user_id: int) -> bool:
    """A user's email address: staff, and the user themselves."""
    return actor is not None and (actor.is_staff or actor.user_id == user_id)


def can_see_profile_settings(actor: Actor | None, user_id: int) -> bool:
    """A user's language and time zone: the user themselves, and administrators (who edit
    them in the user editor)."""
    return actor is not None and (actor.is_admin or actor.user_id == user_id)


def belongs_to_departments(role: Role) -> bool:
    """Only staff are members of departments (admins see every department anyway)."""
    return role is Role.STAFF


def department_staff(department_id: int) -> Q:
    """The active staff of a department: who a new ticket there concerns."""
    return Q(role=Role.STAFF, active=True, departments__id=department_id)


def administrators() -> Q:
    """The active administrators (they hear of tickets in a department without staff; the
    last of them stays one)."""
    return Q(role=Role.ADMIN, active=True)


def is_active_administrator(user: User) -> bool:
    """In-memory twin of ``administrators``."""
    return user.role is Role.ADMIN and user.active


def canned_scope(actor: Actor | None) -> Q:
    """Staff see global canned responses, those of their departments and their own personal
    ones; admins every shared one and their own. Nobody sees another's personal ones."""
    if actor is None or actor.is_client:
        return NOTHING
    own = Q(owner_id=actor.user_id)
    if actor.is_admin:
        return Q(owner_id=None) | own
    shared = Q(owner_id=None) & (
        Q(department_id=None) | Q(department_id__in=list(actor.department_ids))
    )
    return shared | own


def can_edit_canned(actor: Actor | None, owner_id: int | None) -> bool:
    """Personal responses: their owner. Shared ones (global or a department's): admins."""
    if actor is None or actor.is_client:
        return False
    if owner_id is not None:
        return owner_id == actor.user_id
    return actor.is_admin


# Search -------------------------------------------------------------------------------------


def search_departments(actor: Actor | None) -> frozenset[int] | None:
    """The departments whose tickets' messages a search by ``actor`` may read, as a narrowing
    applied inside the search's index walk (``ticket_scope`` still decides what is found);
    None: not narrowed by department (admins see all; a client's own tickets are narrowed by
    client, in any department)."""
    if actor is None:
        return frozenset()
    if actor.is_admin or actor.is_client:
        return None
    return actor.department_ids


def search_client(actor: Actor | None) -> int | None:
    """The client whose own tickets alone a search by ``actor`` reads (a client searching),
    so its time cannot tell of words in other clients' tickets; None: staff, whose search
    walks the words' matches (``ticket_scope`` still decides what is found)."""
    return actor.user_id if actor is not None and actor.is_client else None


def searches_notes(actor: Actor | None) -> bool:
    """Whether a search may match internal notes: only for those who read them. A client's
    search never does, so neither a hit, a count nor a highlight can tell of a note."""
    return works_tickets(actor)


# Tags ---------------------------------------------------------------------------------------


def can_manage_tags(actor: Actor | None) -> bool:
    """Create, rename, recolour and delete tags: admins only."""
    return can_administer(actor)


def sees_tags(actor: Actor | None) -> bool:
    """Tags are internal: staff and admins read them (and filter by them); clients never."""
    return works_tickets(actor)


def can_tag_ticket(actor: Actor | None, ticket: Ticket) -> bool:
    """Add or remove a ticket's tags: who may work the ticket."""
    return can_manage_ticket(actor, ticket)


# Bulk actions and merge -----------------------------------------------------------------


def can_change_in_bulk(actor: Actor | None) -> bool:
    """Bulk updates: staff and admins (each ticket then as ``can_manage_ticket`` allows)."""
    return works_tickets(actor)


def can_merge(actor: Actor | None, ticket: Ticket) -> bool:
    """Merge a ticket into another, or another into it: who may work it (both, for a merge)."""
    return can_manage_ticket(actor, ticket)


# Service levels -----------------------------------------------------------------------------


def can_manage_sla(actor: Actor | None) -> bool:
    """Business hours, SLA policies and escalation rules: admins only."""
    return can_administer(actor)


def sees_sla(actor: Actor | None) -> bool:
    """Due times and SLA states are internal: staff and admins; clients never (not on the
    ticket, not as a sort or filter of their list, not in events)."""
    return works_tickets(actor)


def escalation_recipients_ok(user: User) -> bool:
    """Who an escalation may notify: active staff and admins (access is checked per ticket)."""
    return user.active and works_tickets(user)


# Saved views ---------------------------------------------------------------------------------


def keeps_views(actor: Actor | None) -> bool:
    """Saved views are the staff list's: staff and admins keep them; clients never."""
    return works_tickets(actor)


def can_share_views(actor: Actor | None) -> bool:
    """Sharing a view with a department: admins only."""
    return can_administer(actor)


def saved_view_scope(actor: Actor | None) -> Q:
    """The views ``actor`` sees: their own, and those shared with a department they are a
    member of. A shared view counts, for each viewer, only the tickets that viewer sees."""
    if actor is None or not keeps_views(actor):
        return NOTHING
    return Q(owner_id=actor.user_id) | Q(department_id__in=list(actor.department_ids))


def can_edit_view(actor: Actor | None, view: SavedView) -> bool:
    """Rename, change, share or delete a view: its owner only (members of the department it is
    shared with see it and cannot change it)."""
    return actor is not None and keeps_views(actor) and view.owner_id == actor.user_id


# Customer context ----------------------------------------------------------------------------


def sees_client_context(actor: Actor | None) -> bool:
    """A client's other tickets, the Clients page and a client's page: staff and admins."""
    return works_tickets(actor)


def client_scope(actor: Actor | None) -> Q:
    """The clients ``actor`` may look up: admins every client; staff the clients with a ticket
    in one of their departments; clients and the anonymous nobody."""
    if actor is None or not sees_client_context(actor):
        return NOTHING
    if actor.is_admin:
        return Q(role=Role.CLIENT)
    theirs = Ticket.filter(department_id__in=list(actor.department_ids)).values("client_id")
    return Q(role=Role.CLIENT, id__in=Subquery(theirs))


# Customer satisfaction -----------------------------------------------------------------------


def can_rate(actor: Actor | None, ticket: Ticket) -> bool:
    """Rate a ticket from the portal: its own client only (staff and admins never rate)."""
    return actor is not None and actor.is_client and ticket.client_id == actor.user_id


def can_view_rating(actor: Actor | None, ticket: Ticket) -> bool:
    """A ticket's rating: staff who see the ticket, admins, and the client who gave it (their
    own ticket); nobody else (other clients do not see the ticket at all)."""
    return sees_ratings(actor) and can_view_ticket(actor, ticket)


def sees_ratings(actor: Actor | None) -> bool:
    """The rating of a ticket ``actor`` may see (``can_view_rating`` once the ticket passed
    ``ticket_scope`` or ``can_view_ticket``): a page's rows and a live event's ticket are
    shaped by this, asked once per page or viewer. Everyone who sees a ticket sees its rating:
    staff of its department, admins, its own client."""
    return actor is not None


def sees_ratings_report(actor: Actor | None) -> bool:
    """Rating counts: staff (their departments, by ``ticket_scope``) and admins."""
    return works_tickets(actor)


# Reports -------------------------------------------------------------------------------------


def sees_reports(actor: Actor | None) -> bool:
    """Reports are the staff side's: staff (of their departments) and admins; clients never."""
    return works_tickets(actor)


def report_departments(actor: Actor) -> list[int] | None:
    """The departments a report without ``departmentId`` covers for ``actor``: every one for
    admins (None), their own for staff. A named department is checked with
    ``department_scope`` (one outside it answers NotFound, as a missing one)."""
    return None if actor.is_admin else sorted(actor.department_ids)


# CC and followers ----------------------------------------------------------------------------


def sees_ccs(actor: Actor | None, ticket: Ticket) -> bool:
    """A ticket's CC addresses (the client's colleagues): who sees the ticket, that is staff
    of its department, admins and its own client; nobody else."""
    return can_view_ticket(actor, ticket)


def can_set_ccs(actor: Actor | None, ticket: Ticket) -> bool:
    """Add and remove a ticket's CC addresses: staff who work it, admins, and its client."""
    return can_view_ticket(actor, ticket)


def may_be_cc(user: User | None) -> bool:
    """Whether the owner of an address may be CC'd: anyone but staff and admins (they follow a
    ticket instead, and a contact must never get the staff side by any path)."""
    return user is None or not works_tickets(user)


def sees_followers(actor: Actor | None) -> bool:
    """Who follows a ticket, and whether the viewer does: staff and admins only."""
    return works_tickets(actor)


def sees_followers_of(actor: Actor | None, ticket: Ticket) -> bool:
    """Who follows ``ticket``: staff who see it, and admins."""
    return sees_followers(actor) and can_view_ticket(actor, ticket)


def can_follow(actor: Actor | None, ticket: Ticket) -> bool:
    """Follow a ticket (its notifications, internal notes included, without being assigned):
    staff who may see it, and admins. Checked again at every delivery (``contact_gets`` and
    ``can_view_message_fields`` in the mail's recipients)."""
    return works_tickets(actor) and can_view_ticket(actor, ticket)


def contact_gets(internal: bool, *, cc_now: bool) -> bool:
    """A contact is mailed a ticket's public notifications while it is CC'd there; never an
    internal note, never anything of a ticket it is not CC'd on (decided at delivery)."""
    return cc_now and not internal


def unsubscribe_link_applies(ticket: Ticket, *, contact: Contact) -> bool:
    """A contact's signed unsubscribe link takes it off the one ticket it names, and only while
    that ticket is its client's (a link never reaches another ticket or another client's)."""
    return contact.client_id == ticket.client_id


def contact_may_add_ccs() -> bool:
    """Only the client and staff add CC addresses (the API, or the Cc of their mail); a
    contact's mail reply never widens who is copied, whatever its Cc says."""
    return False


def contact_may_reply(contact_client_id: int, ticket: Ticket, *, cc_now: bool) -> bool:
    """A contact's mail posts on a ticket only while it is CC'd there (and the ticket is still
    its client's); a contact removed since is treated as any unproven sender (held)."""
    return cc_now and contact_client_id == ticket.client_id
