"""From a ticket event to the mails it causes: one ``PlannedMail`` per recipient.

Each planned mail has a dedupe key naming what happened and to whom, so running the job again
finds the delivery record instead of sending twice. What happened is identified from the
database, not from the event's wording: a message by its id, a close or an assignment by its
audit entry (closing, reopening and closing again are two closes, each mailed once).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from app.auth import unsubscribe_links
from app.auth.actor import actor_for
from app.config import Settings
from app.events import EventType, TicketEvent
from app.i18n import N_, Msg, Translator, translate, translator
from app.infra.clock import now
from app.mail import tokens
from app.mail.outbound.compose import AttachmentLink, Notification, subject_line
from app.mail.outbound.recipients import Recipient, load_people, recipients_for
from app.models import (
    Attachment,
    AuditEntry,
    Contact,
    Department,
    EscalationRule,
    Message,
    RatingScore,
    SlaTarget,
    Ticket,
    TicketStatus,
    User,
)
from app.services import contacts, ratings, system_messages
from app.services.attachments import download_url
from app.services.merge import MAX_HOPS
from app.services.system_messages import SystemText


@dataclass(frozen=True)
class PlannedMail:
    dedupe_key: str
    user_id: int
    notification: Notification

    @property
    def subject(self) -> str:
        return subject_line(self.notification.ticket_number, self.notification.ticket_subject)


@dataclass(frozen=True)
class Plan:
    identity: str | None  # what happened; None when there is nothing to mail
    ticket: Ticket | None
    mails: tuple[PlannedMail, ...]


NOTHING = Plan(identity=None, ticket=None, mails=())


async def _identity(event: TicketEvent, ticket: Ticket, message: Message | None) -> str | None:
    if event.type in (EventType.CREATED, EventType.MESSAGE_ADDED, EventType.NOTE_ADDED):
        return f"{event.type.value}:m{message.id}" if message is not None else None
    if event.type is EventType.ESCALATED and event.escalation:
        rule, clock = event.escalation.split("|")[:2]
        return f"ESCALATED:t{ticket.id}:r{rule}:{clock}"  # fires once per ticket and clock
    if event.event_id is not None:
        # The outbox row (id and when it was written): closing twice, or assigning twice, are
        # two events.
        return f"{event.type.value}:t{ticket.id}:{event.key}"
    if event.type is EventType.CLOSED:
        entry = await (
            AuditEntry.filter(ticket_id=ticket.id, field="status", new_value="CLOSED")
            .order_by("-id")
            .first()
        )
        return f"CLOSED:t{ticket.id}:a{entry.id}" if entry is not None else None
    if event.type is EventType.ASSIGNED:
        entry = (
            await AuditEntry.filter(ticket_id=ticket.id, field="assignee").order_by("-id").first()
        )
        return f"ASSIGNED:t{ticket.id}:a{entry.id}" if entry is not None else None
    return None


async def plan_for(event: TicketEvent, settings: Settings) -> Plan:
    """Every mail ``event`` causes now (recipients are checked against the current ticket)."""
    if event.type not in (
        EventType.CREATED,
        EventType.MESSAGE_ADDED,
        EventType.NOTE_ADDED,
        EventType.CLOSED,
        EventType.ASSIGNED,
        EventType.ESCALATED,
    ):
        return NOTHING
    ticket = await Ticket.filter(id=event.ticket_id).select_related("department").first()
    if ticket is None:
        return NOTHING
    message = None
    if event.message is not None:
        message = await Message.get_or_none(id=event.message)
        if message is None:
            return NOTHING
        if message.ticket_id != ticket.id:
            # Merged away before it was mailed: it is mailed as a message of the ticket it
            # now belongs to, to whom the rules name there (never lost, never leaked).
            moved_to = await _merged_into(ticket, message.ticket_id)
            if moved_to is None:
                return NOTHING
            identity = await _identity(event, ticket, message)  # as planned before the merge
            event = replace(
                event,
                type=EventType.NOTE_ADDED if message.internal else EventType.MESSAGE_ADDED,
                ticket_id=moved_to.id,
                ticket=moved_to.number,
                department=moved_to.department_id,
                client=moved_to.client_id,
                internal=message.internal,
            )
            ticket = moved_to
        else:
            identity = await _identity(event, ticket, message)
    else:
        identity = await _identity(event, ticket, message)
    if identity is None:
        return NOTHING
    if event.type is EventType.CLOSED and ticket.status is not TicketStatus.CLOSED:
        return Plan(identity=identity, ticket=ticket, mails=())  # reopened since
    if event.type is EventType.ASSIGNED and message is None:
        message = await _latest_public_message(ticket)
    people = await load_people(event, ticket, message)
    recipients = await recipients_for(event, ticket, message, people)
    if not recipients:
        return Plan(identity=identity, ticket=ticket, mails=())
    context = await _Context.load(ticket, message, event, settings, people)
    if event.type is EventType.CLOSED:
        links = await ratings.mail_links(ticket, settings)
        if links is not None:
            context = replace(
                context,
                rating_links=(
                    (N_("Good"), links[RatingScore.GOOD]),
                    (N_("Bad"), links[RatingScore.BAD]),
                ),
            )
    if event.type is EventType.ESCALATED and event.escalation:
        rule_id = event.escalation.split("|", 1)[0]
        rule = await EscalationRule.get_or_none(id=int(rule_id)) if rule_id.isdigit() else None
        if rule is not None:
            context = replace(context, escalation=(rule.target, rule.at_percent))
    system = system_messages.parsed(message.template) if message is not None else None
    if system is not None:
        context = replace(
            context, system=system, sees_target=await _seeing_target(system, recipients)
        )
    mails = tuple(
        PlannedMail(
            dedupe_key=f"{identity}:{r.key}",
            user_id=r.user.id if r.user is not None else 0,
            notification=context.notification(r, f"{identity}:{r.key}"),
        )
        for r in recipients
    )
    return Plan(identity=identity, ticket=ticket, mails=mails)


async def _seeing_target(system: SystemText, recipients: list[Recipient]) -> frozenset[str]:
    """The recipients (by key) whom a merge notice may name its target: users the policy lets
    see it (never a contact, who has no sign-in)."""
    if system.target_id is None:
        return frozenset()
    seeing = set()
    for recipient in recipients:
        if recipient.user is not None and await system_messages.seen_targets(
            await actor_for(recipient.user), [system]
        ):
            seeing.add(recipient.key)
    return frozenset(seeing)


async def _merged_into(ticket: Ticket, ticket_id: int) -> Ticket | None:
    """``ticket_id``'s ticket when ``ticket`` was merged into it (directly or through tickets
    merged later); else None."""
    for _ in range(MAX_HOPS):
        if ticket.merged_into_id is None:
            return None
        following = (
            await Ticket.filter(id=ticket.merged_into_id).select_related("department").first()
        )
        if following is None:
            return None
        if following.id == ticket_id:
            return following
        ticket = following
    return None


async def _latest_public_message(ticket: Ticket) -> Message | None:
    return (
        await Message.filter(ticket_id=ticket.id, internal=False)
        .order_by("-created_at", "-id")
        .first()
    )


def _in(t: Translator, name: str | None) -> str | None:
    """A name as the recipient reads it: a contact's label (a ``Msg``) in their language;
    a person's name as it is."""
    return translate(t, name) if isinstance(name, Msg) else name


@dataclass(frozen=True)
class _Context:
    """What every recipient's mail about one event shares."""

    ticket: Ticket
    department: str
    event: TicketEvent
    message: Message | None
    author: str | None
    sender: str | None  # the From display name: the author's, without an address
    actor: str | None
    attachments: tuple[AttachmentLink, ...]
    settings: Settings
    client: str = "the client"
    # A contact (no account) reads the language and zone of the client it is a colleague of.
    client_language: str | None = None
    client_time_zone: str | None = None
    rating_links: tuple[tuple[str, str], ...] = ()  # (label to translate, url)
    escalation: tuple[SlaTarget, int] | None = None  # the rule's target and share, if it exists
    # A system message's template, and who may read the ticket its merge notice names.
    system: SystemText | None = None
    sees_target: frozenset[str] = frozenset()

    @classmethod
    async def load(
        cls,
        ticket: Ticket,
        message: Message | None,
        event: TicketEvent,
        settings: Settings,
        people: dict[int, User],
    ) -> _Context:
        department: Department = ticket.department  # loaded with the ticket
        author = people.get(message.author_id) if message and message.author_id else None
        author_name = sender = author.name if author else None
        if message is not None and message.author_contact_id is not None:
            contact = await Contact.get_or_none(id=message.author_contact_id)
            client = people.get(ticket.client_id)
            if contact is not None:
                client_name = client.name if client else Msg(N_("the client"))
                author_name = contacts.label(contact, client_name)
                sender = contacts.sender_name(contact, client_name)
        actor = people.get(event.actor) if event.actor else None
        rows = await Attachment.filter(message_id=message.id).order_by("id") if message else []
        links = tuple(
            AttachmentLink(
                filename=row.filename,
                size=row.size,
                url=download_url(
                    settings.public_url, public_id=row.public_id, filename=row.filename
                ),
            )
            for row in rows
        )
        return cls(
            ticket=ticket,
            department=department.name,
            event=event,
            message=message,
            author=author_name,
            sender=sender,
            actor=actor.name if actor else None,
            client=people[ticket.client_id].name if ticket.client_id in people else "the client",
            client_language=people[ticket.client_id].language
            if ticket.client_id in people
            else None,
            client_time_zone=people[ticket.client_id].time_zone
            if ticket.client_id in people
            else None,
            attachments=links,
            settings=settings,
        )

    def notification(self, recipient: Recipient, dedupe_key: str) -> Notification:
        # A contact (no account) reads its client's language and zone (else the defaults).
        user = recipient.user
        t = translator(
            user.language if user is not None else self.client_language,
            user.time_zone if user is not None else self.client_time_zone,
            default_language=self.settings.default_language,
            default_time_zone=self.settings.default_time_zone,
        )
        number = self.ticket.number
        base = self.settings.public_url.rstrip("/")
        area = "admin" if recipient.staff_side else "client"
        discriminator = hashlib.sha256(dedupe_key.encode()).hexdigest()[:24]
        contact = recipient.contact
        return Notification(
            ticket_number=number,
            ticket_subject=self.ticket.subject,
            headline=self._headline(recipient, t),
            body=self._body(recipient, t),
            # A contact has no sign-in: no portal link, and files named, not linked.
            attachments=self.attachments
            if contact is None
            else tuple(replace(a, url=None) for a in self.attachments),
            link=f"{base}/{area}/tickets/{number}" if contact is None else None,
            footer=self._footer(recipient, t),
            sender_name=_in(t, self.sender) or self.department,
            sender_address=self.settings.sender_address,
            recipient_name=recipient.name,
            recipient_address=recipient.email,
            reply_to=self._reply_to(recipient),
            message_id=tokens.message_id(
                number,
                discriminator,
                recipient.user.id if recipient.user is not None else None,
                contact_id=recipient.contact.id if recipient.contact is not None else None,
                settings=self.settings,
            ),
            thread_id=tokens.thread_root_id(number, settings=self.settings),
            date=now(),
            # Only the client rates (never staff copies of the mail, nor contacts).
            rating_links=()
            if recipient.staff_side or recipient.contact
            else tuple((t._(label), url) for label, url in self.rating_links),
            language=t.language,
            when=t.when(self._happened_at()),
            unsubscribe_url=self._unsubscribe_url(recipient),
        )

    def _body(self, recipient: Recipient, t: Translator) -> str | None:
        """The message as mailed: a system message in the recipient's language."""
        if self.message is None:
            return None
        if self.system is not None:
            shown = system_messages.text(
                t, self.system, sees_target=recipient.key in self.sees_target
            )
            if shown:
                return shown
        return signed_text(self.message)

    def _unsubscribe_url(self, recipient: Recipient) -> str | None:
        """A CC'd contact's (off the CCs) or a follower's (unfollow) signed link; nobody
        else's mail is optional."""
        if recipient.contact is not None:
            token = unsubscribe_links.make_token(
                ticket_id=self.ticket.id, settings=self.settings, contact_id=recipient.contact.id
            )
        elif recipient.following and recipient.user is not None:
            token = unsubscribe_links.make_token(
                ticket_id=self.ticket.id, settings=self.settings, user_id=recipient.user.id
            )
        else:
            return None
        return unsubscribe_links.link(self.settings, token)

    def _happened_at(self) -> datetime:
        """When the message was written; for other changes, when the mail is built."""
        written = (EventType.CREATED, EventType.MESSAGE_ADDED, EventType.NOTE_ADDED)
        if self.message is not None and self.event.type in written:
            return self.message.created_at
        return now()

    def _reply_to(self, recipient: Recipient) -> str:
        number = self.ticket.number
        if recipient.contact is not None:
            return tokens.contact_reply_address(
                number, recipient.contact.id, settings=self.settings
            )
        assert recipient.user is not None
        return tokens.reply_address(number, recipient.user.id, settings=self.settings)

    def _headline(self, recipient: Recipient, t: Translator) -> str:
        number, kind = self.ticket.number, self.event.type
        who = _in(t, self.author) or self.actor or self.department
        if kind is EventType.CREATED:
            # Staff open tickets for clients who phoned: the first message is theirs.
            by_staff = self.message is not None and self.message.author_id not in (
                None,
                self.ticket.client_id,
            )
            if recipient.contact is not None and by_staff:
                return t._(
                    "{who} of our team opened ticket #{number} for {client} and copied you on "
                    "it; reply to this email to add to it.",
                    who=who,
                    client=self.client,
                    number=number,
                )
            if recipient.contact is not None:
                return t._(
                    "{client} opened ticket #{number} and copied you on it; "
                    "reply to this email to add to it.",
                    client=self.client,
                    number=number,
                )
            if not recipient.staff_side and by_staff:
                return t._(
                    "{who} of our team opened a ticket for you. Your ticket number is "
                    "#{number}; reply to this email to add to it.",
                    who=who,
                    number=number,
                )
            if not recipient.staff_side:
                return t._(
                    "We received your request. Your ticket number is #{number}; "
                    "reply to this email to add to it.",
                    number=number,
                )
            return t._(
                "New ticket #{number} in {department} from {who}.",
                number=number,
                department=self.department,
                who=who,
            )
        if kind is EventType.NOTE_ADDED or (self.message is not None and self.message.internal):
            return t._(
                "{who} added an internal note to ticket #{number} (staff only).",
                who=who,
                number=number,
            )
        if kind is EventType.MESSAGE_ADDED:
            return t._("{who} replied to ticket #{number}.", who=who, number=number)
        if kind is EventType.CLOSED:
            if self.event.actor is None:
                return t._("Ticket #{number} was closed automatically.", number=number)
            if self.actor:
                return t._("Ticket #{number} was closed by {who}.", number=number, who=self.actor)
            return t._("Ticket #{number} was closed by our team.", number=number)
        if kind is EventType.ESCALATED and self.event.escalation:
            if self.escalation is not None:
                target, percent = self.escalation
                goal = t._(TARGET_NAMES[target])
                if percent >= 100:
                    return t._(
                        "Ticket #{number} was escalated by SLA: {goal} breached (staff only).",
                        number=number,
                        goal=goal,
                    )
                return t._(
                    "Ticket #{number} was escalated by SLA: {goal} at {percent} % (staff only).",
                    number=number,
                    percent=percent,
                    goal=goal,
                )
            what = self.event.escalation.split("|", 3)[-1]
            return t._("Ticket #{number} was {what} (staff only).", number=number, what=what)
        if kind is EventType.ASSIGNED:
            if self.actor:
                return t._(
                    "Ticket #{number} was assigned to you by {who}.", number=number, who=self.actor
                )
            return t._("Ticket #{number} was assigned to you.", number=number)
        return t._("Ticket #{number} was updated.", number=number)

    def _footer(self, recipient: Recipient, t: Translator) -> str:
        if recipient.contact is not None:
            return t._(
                "You get this mail because you are copied (CC) on this ticket of {client}. "
                "Reply to this email to answer; keep your text above the marker line.",
                client=self.client,
            )
        if recipient.following:
            return t._(
                "You get this mail because you follow this ticket; unfollow it on its page "
                "or with the link below to stop."
            )
        if recipient.staff_side:
            return t._("You get this mail as staff of {department}.", department=self.department)
        return t._(
            "You get this mail because this ticket is yours. "
            "Reply to this email to answer; keep your text above the marker line."
        )


TARGET_NAMES = {
    SlaTarget.FIRST_RESPONSE: N_("first response"),
    SlaTarget.NEXT_RESPONSE: N_("next response"),
    SlaTarget.RESOLUTION: N_("resolution"),
}


def signed_text(message: Message) -> str:
    """A message's text as mailed: the body, then the author's signature (as it was when
    sent) after the usual "-- " line, which mail programs recognise as a signature."""
    if not message.signature:
        return message.body
    return f"{message.body}\n\n-- \n{message.signature}"
