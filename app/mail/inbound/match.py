"""Which ticket an inbound message belongs to, and whether its sender may post there.

In order: a reply address (token) among To/Cc/Delivered-To/X-Original-To names the ticket and
the one recipient it was made for, and the sender must be that recipient; without one, a
signed Message-ID in In-Reply-To/References, then "[Ticket #N]" in the subject, each only for
a sender whom the access policy lets reply to that ticket; else a department's address opens a
new ticket there. Our own mail and automatic mail are sorted out before matching.

A contact CC'd on a ticket has reply addresses and Message-IDs of its own; its mail is posted
as that contact under the same proofs, and only while it is CC'd there (a contact removed
since is held, as any unproven sender, even when an admin accepted the mail). A sender whose
account may not reply to the ticket named (or who has none) but is a contact of its client is
treated as that contact: an account never takes a contact's rules away.

From proves nothing. A reply is posted as its sender only when the mail proves who sent it:
the reply address made for that sender, a Message-ID we sent to that sender, or our receiving
server's Authentication-Results (app/mail/authresults.py). A mail that names a ticket some
other way, or opens a ticket in the name of staff, and proves nothing is held for an admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.auth import policy
from app.auth.actor import actor_for
from app.config import Settings
from app.i18n import N_
from app.mail import authresults
from app.mail.parsing import ParsedMail
from app.mail.tokens import parse_message_id, parse_reply_address, parse_signed_message_id
from app.models import Contact, Department, Ticket, User
from app.services import contacts
from app.services.directory import normalise_email
from app.services.merge import follow

SUBJECT_NUMBER = re.compile(r"\[Ticket #(\d{1,9})\]", re.IGNORECASE)
# Headers our outgoing mail carries (app/mail/outbound/compose.py).
_OWN_HEADERS = ("X-Helpdesk-Ticket",)
_HEADER_NAME = re.compile(rb"^([!-9;-~]+)[ \t]*:", re.MULTILINE)


@dataclass(frozen=True)
class Reply:
    ticket: Ticket
    user: User
    via: str  # what matched: "reply address", "Message-ID" or "subject"


@dataclass(frozen=True)
class ContactReply:
    """A reply by a contact CC'd on the ticket (proven as ``Reply`` is)."""

    ticket: Ticket
    contact: Contact
    via: str


@dataclass(frozen=True)
class NewTicket:
    department: Department
    # Whether anything proves the From (our receiving server's DMARC pass, or an admin's
    # Accept). A client's new ticket is taken without proof (answers go to the real client),
    # but then its Cc is not: a forged From must not copy strangers on the client's ticket.
    proven: bool = False


@dataclass(frozen=True)
class Refuse:
    reason: str  # for admins
    notice: str | None  # for the sender, in the catalogue (N_); None sends no notice
    values: tuple[tuple[str, str | int], ...] = ()  # the notice's {placeholders}


@dataclass(frozen=True)
class Ignore:
    reason: str


@dataclass(frozen=True)
class Hold:
    """Kept for an admin to accept or reject; never a notice (the From may be forged)."""

    reason: str
    ticket: Ticket | None = None


Decision = Reply | ContactReply | NewTicket | Refuse | Ignore | Hold

FORGED = Refuse(
    "forged or altered reply address",
    N_("The reply address of your message is not valid: it was changed or made up."),
)
OTHER_SENDER = Refuse(
    "valid reply address used by another sender",
    N_(
        "The reply address you wrote to belongs to another recipient. Reply from the address "
        "that received the notification, or sign in to the portal."
    ),
)
GONE = Refuse(
    "the ticket or recipient of the reply address no longer exists",
    N_("The ticket you replied to no longer exists."),
)
MERGED_AWAY = Refuse(
    "the ticket of the reply address was merged into a ticket the sender may not reply to",
    N_(
        "The ticket you replied to was merged into another conversation. Please open a new "
        "ticket, or sign in to the portal."
    ),
)
NOT_ALLOWED = Refuse(
    "sender may not reply to the ticket it refers to",
    N_(
        "Your message refers to a ticket you may not reply to. Reply from the address that "
        "received the notification, or sign in to the portal."
    ),
)


def is_our_address(address: str, settings: Settings) -> bool:
    domain = settings.mail_domain.lower()
    return address.lower().rsplit("@", 1)[-1] == domain


def is_reply_address(address: str, settings: Settings) -> bool:
    return address.lower().startswith("reply+") and is_our_address(address, settings)


def _header_names(raw: bytes) -> set[str]:
    """Lower-cased names of the top-level headers (no full parse: this runs per message)."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return {m.group(1).decode().lower() for m in _HEADER_NAME.finditer(head)}


async def own_mail_reason(parsed: ParsedMail, raw: bytes, settings: Settings) -> str | None:
    """Why this is mail we sent ourselves (a loop), or None."""
    if parsed.message_id and parse_message_id(parsed.message_id, settings=settings) is not None:
        return "our own mail: Message-ID is one of ours"
    sender = parsed.from_address.lower()
    if sender == settings.sender_address.lower() or is_reply_address(sender, settings):
        return f"our own mail: sent from {sender}"
    if await Department.filter(email=sender).exists():
        return f"our own mail: sent from the department address {sender}"
    present = _header_names(raw)
    for name in _OWN_HEADERS:
        if name.lower() in present:
            return f"our own mail: {name} header"
    return None


async def _may_reply(user: User | None, ticket: Ticket | None) -> bool:
    if user is None or ticket is None or not user.active:
        return False
    return policy.can_reply(await actor_for(user), ticket)


async def _by_token(parsed: ParsedMail, settings: Settings) -> Decision | None:
    candidates = [a for a in parsed.recipients if is_reply_address(a, settings)]
    if not candidates:
        return None
    tokens = [
        t for t in (parse_reply_address(a, settings=settings) for a in candidates) if t is not None
    ]
    if not tokens:
        return FORGED
    token = tokens[0]
    if token.contact_id is not None:
        return await _by_contact_token(parsed, token.ticket_number, token.contact_id)
    ticket = await Ticket.get_or_none(number=token.ticket_number)
    user = await User.get_or_none(id=token.user_id)
    if ticket is None or user is None:
        return GONE
    if normalise_email(parsed.from_address) != user.email.lower():
        return OTHER_SENDER
    if ticket.merged_into_id is not None:
        # Merged: the conversation goes on where it was merged into, if the sender may follow.
        ticket = await follow(ticket)
        if not await _may_reply(user, ticket):
            return MERGED_AWAY
    return Reply(ticket=ticket, user=user, via="reply address")


async def _by_contact_token(parsed: ParsedMail, number: int, contact_id: int) -> Decision:
    ticket = await Ticket.get_or_none(number=number)
    contact = await Contact.get_or_none(id=contact_id)
    if ticket is None or contact is None:
        return GONE
    if normalise_email(parsed.from_address) != contact.email.lower():
        return OTHER_SENDER
    if ticket.merged_into_id is not None:
        ticket = await follow(ticket)
    cc_now = await contacts.is_cc(ticket.id, contact.id)
    if not policy.contact_may_reply(contact.client_id, ticket, cc_now=cc_now):
        return Hold(
            f"a reply of {contact.email} to ticket #{ticket.number}, where it is no longer "
            "copied (CC)",
            ticket,
        )
    return ContactReply(ticket=ticket, contact=contact, via="reply address")


async def _client_contact(parsed: ParsedMail, ticket: Ticket) -> Contact | None:
    """The sender as a contact of ``ticket``'s client (CC'd there now or not), if it is one."""
    return await Contact.get_or_none(
        client_id=ticket.client_id, email=normalise_email(parsed.from_address)
    )


def _not_copied(contact: Contact, ticket: Ticket) -> Hold:
    return Hold(
        f"a mail of {contact.email} about ticket #{ticket.number}, where it is not copied (CC) "
        "now (add the address back before accepting it)",
        ticket,
    )


async def _sender(parsed: ParsedMail) -> User | None:
    return await User.get_or_none(email=normalise_email(parsed.from_address))


@dataclass(frozen=True)
class Proof:
    """What vouches for the From address, apart from a reply address."""

    vouched: bool  # an admin accepted the mail
    verdict: authresults.Verdict
    settings: Settings

    @classmethod
    def of(cls, parsed: ParsedMail, *, vouched: bool, settings: Settings) -> Proof:
        return cls(
            vouched=vouched,
            settings=settings,
            verdict=authresults.verdict(
                parsed.authentication_results,
                authserv_id=settings.mail_authserv_id,
                from_addresses=parsed.from_addresses,
            ),
        )

    @property
    def proven(self) -> bool:
        return self.vouched or self.verdict.proven

    def unproven(self, sender: str, what: str, ticket: Ticket | None = None) -> Hold:
        why = self.verdict.why
        return Hold(f"{what}, and nothing proves it is from {sender} ({why})", ticket)


async def _by_message_id(parsed: ParsedMail, proof: Proof) -> Decision | None:
    """The first signed Message-ID names the ticket; one of them sent to the sender proves it."""
    signed = [
        s
        for value in [*parsed.in_reply_to, *reversed(parsed.references)]
        if (s := parse_signed_message_id(value, settings=proof.settings)) is not None
    ]
    if not signed:
        return None
    ticket = await Ticket.get_or_none(number=signed[0].ticket_number)
    if ticket is not None:
        ticket = await follow(ticket)
    user = await _sender(parsed)
    if ticket is not None and not await _may_reply(user, ticket):
        # Not through an account (none, or one without access): the contact's rules, if the
        # sender is a contact of the ticket's client.
        contact = await _client_contact(parsed, ticket)
        if contact is not None:
            if not await contacts.is_cc(ticket.id, contact.id):
                return _not_copied(contact, ticket)
            sent_to_contact = any(
                s.ticket_number == signed[0].ticket_number and s.contact_id == contact.id
                for s in signed
            )
            if sent_to_contact or proof.proven:
                return ContactReply(ticket=ticket, contact=contact, via="Message-ID")
            what = f"refers to ticket #{ticket.number} by a Message-ID we did not send to it"
            return proof.unproven(contact.email, what, ticket)
    if user is None or ticket is None or not await _may_reply(user, ticket):
        return NOT_ALLOWED
    sent_to_sender = any(
        s.ticket_number == signed[0].ticket_number and s.recipient_id == user.id for s in signed
    )
    if sent_to_sender or proof.proven:
        return Reply(ticket=ticket, user=user, via="Message-ID")
    what = f"refers to ticket #{ticket.number} by a Message-ID we did not send to the sender"
    return proof.unproven(user.email, what, ticket)


async def _by_subject(parsed: ParsedMail, proof: Proof) -> Decision | None:
    """Only for the ticket's client or staff with access; anyone else falls through."""
    match = SUBJECT_NUMBER.search(parsed.subject)
    if match is None:
        return None
    ticket = await Ticket.get_or_none(number=int(match.group(1)))
    if ticket is not None:
        ticket = await follow(ticket)
    user = await _sender(parsed)
    if ticket is not None and not await _may_reply(user, ticket):
        contact = await _client_contact(parsed, ticket)
        if contact is not None:
            if not await contacts.is_cc(ticket.id, contact.id):
                return _not_copied(contact, ticket)
            if proof.proven:
                return ContactReply(ticket=ticket, contact=contact, via="subject")
            what = f"names ticket #{ticket.number} only by the number in its subject"
            return proof.unproven(contact.email, what, ticket)
    if user is None or ticket is None or not await _may_reply(user, ticket):
        return None
    if proof.proven:
        return Reply(ticket=ticket, user=user, via="subject")
    what = f"names ticket #{ticket.number} only by the number in its subject"
    return proof.unproven(user.email, what, ticket)


async def _by_department(parsed: ParsedMail, proof: Proof) -> Decision | None:
    if not parsed.recipients:
        return None
    found = {d.email: d for d in await Department.filter(email__in=parsed.recipients)}
    department = next((found[a] for a in parsed.recipients if a in found), None)
    if department is None:  # the first department named wins
        return None
    user = await _sender(parsed)
    if user is not None and not policy.may_open_tickets_by_mail(user) and not proof.proven:
        what = f"opens a ticket in {department.name} in the name of {user.role.value} {user.name}"
        return proof.unproven(user.email, what)
    return NewTicket(department=department, proven=proof.proven)


async def match(parsed: ParsedMail, settings: Settings, *, vouched: bool = False) -> Decision:
    """``vouched``: an admin accepted the mail, so its From counts as proven."""
    decision = await _by_token(parsed, settings)
    if decision is not None:
        return decision
    proof = Proof.of(parsed, vouched=vouched, settings=settings)
    for rule in (_by_message_id, _by_subject, _by_department):
        decision = await rule(parsed, proof)
        if decision is not None:
            return decision
    return Ignore("not addressed to a reply address or a department, and no ticket reference")
