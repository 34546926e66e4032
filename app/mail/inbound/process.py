"""Turn one stored inbound message into a reply, a new ticket, or a recorded outcome.

Outcomes: PROCESSED (posted, with the ticket and message), IGNORED (our own mail, automatic
mail, a reply with nothing but quoted history: nothing to do), REFUSED (the sender may not
post there; an existing user may get a notice), HELD (nothing proves who sent it; an admin
accepts or rejects it, and nobody is mailed), FAILED (unreadable, too large, or an error that
persisted). Idempotent: only a RECEIVED message is processed, it is claimed by a conditional
update, and a retry after a crash between posting and recording finds the post it made instead
of posting twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from redis.asyncio import Redis

from app.auth import policy
from app.auth.actor import actor_for
from app.config import Settings
from app.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.infra import metrics
from app.infra.clock import now
from app.mail.headers import strip_controls
from app.mail.inbound import notices
from app.mail.inbound.files import mail_files
from app.mail.inbound.match import (
    SUBJECT_NUMBER,
    ContactReply,
    Hold,
    Ignore,
    NewTicket,
    Refuse,
    Reply,
    match,
    own_mail_reason,
)
from app.mail.inbound.store import too_large_reason
from app.mail.parsing import MailParseError, ParsedMail, parse_mail
from app.models import (
    Contact,
    InboundMail,
    InboundStatus,
    Message,
    MessageSource,
    Ticket,
    TicketStatus,
    User,
)
from app.services import contacts, system_messages
from app.services.directory import ensure_client, normalise_email
from app.services.messages import add_system_note, reply_as_contact, reply_to_ticket
from app.services.tickets import open_ticket
from app.services.validation import MAX_SUBJECT

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""Automatic tries before an unexpected error is recorded as FAILED (admins can re-run)."""
NO_ACCESS = Refuse(
    "sender no longer has access to the ticket",
    N_("You no longer have access to the ticket you replied to."),
)
INACTIVE = Refuse("the sender's account is deactivated", N_("Your account is not active."))
QUOTE_ONLY = "nothing new: the reply holds only quoted history"


@dataclass(frozen=True)
class Outcome:
    status: InboundStatus
    reason: str | None = None
    ticket_id: int | None = None
    message_id: int | None = None
    notice: str | None = None  # the explanation mailed to the sender, if any (a msgid)
    notice_values: tuple[tuple[str, str | int], ...] = ()


def _refused(refusal: Refuse) -> Outcome:
    return Outcome(
        InboundStatus.REFUSED, refusal.reason, notice=refusal.notice, notice_values=refusal.values
    )


async def process_inbound(
    inbound_id: int,
    *,
    settings: Settings,
    redis: Redis | None = None,
    notify: bool = True,
    final: bool = False,
) -> InboundMail | None:
    """Process a RECEIVED message (anything else is returned untouched). An unexpected error
    is raised for the caller to retry until MAX_ATTEMPTS (or at once with ``final``), then
    recorded as FAILED. A message an admin accepted counts as proven to be from its From."""
    mail = await InboundMail.get_or_none(id=inbound_id)
    if mail is None or mail.status is not InboundStatus.RECEIVED:
        return mail
    claimed = await InboundMail.filter(
        id=mail.id, status=InboundStatus.RECEIVED, attempts=mail.attempts
    ).update(attempts=mail.attempts + 1)
    if not claimed:  # another run took it a moment ago
        return await InboundMail.get_or_none(id=inbound_id)
    mail.attempts += 1
    accepted_by = await _accepted_by(mail)
    parsed: ParsedMail | None = None
    try:
        parsed, outcome = await _handle(mail, settings, vouched=accepted_by is not None)
    except Exception as exc:
        if not final and mail.attempts < MAX_ATTEMPTS:
            raise
        log.exception("inbound mail %s failed for good", mail.id)
        outcome = Outcome(
            InboundStatus.FAILED,
            f"error after {mail.attempts} attempt(s): {type(exc).__name__}: {exc}"[:2000],
        )
    if accepted_by is not None:
        if outcome.status is InboundStatus.HELD:
            # Held again (e.g. the contact is not CC'd): nobody vouches for it any more.
            reason = f"held again after {accepted_by} accepted it: {outcome.reason}"
        else:
            reason = f"accepted by {accepted_by}: {outcome.reason}"
        outcome = replace(outcome, reason=reason)
    await _record(mail, outcome)
    metrics.INBOUND_MAILS.labels(outcome.status.value).inc()
    if outcome.notice and notify and parsed is not None:
        await notices.send_refusal_notice(
            redis,
            settings=settings,
            to=parsed.from_address,
            in_reply_to=parsed.message_id,
            explanation=outcome.notice,
            values=dict(outcome.notice_values),
        )
    return mail


async def _accepted_by(mail: InboundMail) -> str | None:
    """The name of the admin who accepted this held message, if one did."""
    admin_id = mail.accepted_by_id  # type: ignore[attr-defined]
    if admin_id is None:
        return None
    admin = await User.get_or_none(id=admin_id).only("id", "name")
    return admin.name if admin is not None else "an administrator"


async def _record(mail: InboundMail, outcome: Outcome) -> None:
    values = {
        "status": outcome.status,
        "reason": strip_controls(outcome.reason) if outcome.reason else None,
        "ticket_id": outcome.ticket_id,
        "message_id": outcome.message_id,
        "processed_at": now(),
    }
    if outcome.status is InboundStatus.HELD:
        values["accepted_by_id"] = None  # held means unvouched; an Accept vouches anew
    await InboundMail.filter(id=mail.id).update(**values)
    for name, value in values.items():
        setattr(mail, name, value)


async def _handle(
    mail: InboundMail, settings: Settings, *, vouched: bool
) -> tuple[ParsedMail | None, Outcome]:
    raw = bytes(mail.raw_bytes)
    if mail.size > len(raw):
        limit = settings.max_inbound_mail_bytes
        return None, Outcome(InboundStatus.FAILED, too_large_reason(mail.size, limit))
    try:
        parsed = parse_mail(raw)
    except MailParseError as exc:
        return None, Outcome(InboundStatus.FAILED, f"malformed message: {exc}")
    own = await own_mail_reason(parsed, raw, settings)
    if own is not None:
        return parsed, Outcome(InboundStatus.IGNORED, own)
    if parsed.is_auto_generated:
        return parsed, Outcome(InboundStatus.IGNORED, f"automatic mail: {parsed.auto_reason}")
    decision = await match(parsed, settings, vouched=vouched)
    if isinstance(decision, Ignore):
        return parsed, Outcome(InboundStatus.IGNORED, decision.reason)
    if isinstance(decision, Hold):
        ticket_id = decision.ticket.id if decision.ticket is not None else None
        return parsed, Outcome(InboundStatus.HELD, decision.reason, ticket_id)
    if isinstance(decision, Refuse):
        return parsed, _refused(decision)
    if isinstance(decision, Reply):
        return parsed, await _reply(mail, parsed, decision, settings)
    if isinstance(decision, ContactReply):
        return parsed, await _contact_reply(mail, parsed, decision, settings)
    assert isinstance(decision, NewTicket)
    return parsed, await _open(mail, parsed, decision, settings)


def _mail_ccs(parsed: ParsedMail, settings: Settings) -> list[contacts.CcAddress]:
    """The Cc of the mail, as CC addresses to keep (``MAIL_KEEP_CC``; the services leave out
    our own addresses, staff and the client)."""
    if not settings.mail_keep_cc:
        return []
    sender = normalise_email(parsed.from_address)
    kept: list[contacts.CcAddress] = []
    for name, address in parsed.cc:
        found, _ = contacts.parse([address])
        if found and found[0].email != sender:
            kept.append(contacts.CcAddress(email=found[0].email, name=name.strip()[:200]))
    return kept


def _closed_too_long(ticket: Ticket, settings: Settings) -> bool:
    if ticket.status is not TicketStatus.CLOSED:
        return False
    closed_at = ticket.closed_at or ticket.last_activity_at
    return now() - closed_at > timedelta(days=settings.reopen_window_days)


def _with_notes(body: str, refusals: list[str]) -> str:
    if not refusals:
        return body
    notes = "\n".join(f"- {sentence}" for sentence in refusals)
    return f"{body}\n\n[Attachments not added]\n{notes}".strip()


async def _reply(
    mail: InboundMail, parsed: ParsedMail, decision: Reply, settings: Settings
) -> Outcome:
    ticket, user = decision.ticket, decision.user
    if not user.active:
        return _refused(INACTIVE)
    if _closed_too_long(ticket, settings):
        days = settings.reopen_window_days
        return _refused(
            Refuse(
                f"ticket #{ticket.number} was closed more than {days} days ago",
                N_(
                    "Ticket #{number} was closed more than {days} days ago and can no "
                    "longer be reopened by email. Please open a new ticket."
                ),
                (("number", ticket.number), ("days", days)),
            )
        )
    files, refusals = await mail_files(parsed, settings)
    if parsed.quote_only and not files:
        return Outcome(InboundStatus.IGNORED, QUOTE_ONLY)
    body = _with_notes(parsed.reply_text.strip(), refusals)
    if not body and not files:
        return Outcome(InboundStatus.IGNORED, "empty message: no text and no attachments")
    body = body or "(attachments only)"
    done = f"reply on ticket #{ticket.number} (matched by {decision.via})"
    if mail.attempts > 1:
        earlier = await _earlier_reply(mail, ticket, user, body)
        if earlier is not None:
            return Outcome(InboundStatus.PROCESSED, done, ticket.id, earlier.id)
    try:
        posted = await reply_to_ticket(
            actor=await actor_for(user),
            settings=settings,
            number=ticket.number,
            body=body,
            source=MessageSource.EMAIL,
            files=files,
            mail_ccs=_mail_ccs(parsed, settings),
        )
    except (NotFound, PermissionDenied):
        return _refused(NO_ACCESS)
    except (ValidationFailed, Conflict) as exc:
        return Outcome(InboundStatus.FAILED, f"not accepted: {exc.message}", ticket.id)
    return Outcome(InboundStatus.PROCESSED, done, ticket.id, posted.message.id)


async def _contact_reply(
    mail: InboundMail, parsed: ParsedMail, decision: ContactReply, settings: Settings
) -> Outcome:
    ticket, contact = decision.ticket, decision.contact
    if _closed_too_long(ticket, settings):
        days = settings.reopen_window_days
        return _refused(
            Refuse(
                f"ticket #{ticket.number} was closed more than {days} days ago",
                f"Ticket #{ticket.number} was closed more than {days} days ago and can no "
                "longer be reopened by email.",
            )
        )
    files, refusals = await mail_files(parsed, settings)
    if parsed.quote_only and not files:
        return Outcome(InboundStatus.IGNORED, QUOTE_ONLY)
    body = _with_notes(parsed.reply_text.strip(), refusals)
    if not body and not files:
        return Outcome(InboundStatus.IGNORED, "empty message: no text and no attachments")
    body = body or "(attachments only)"
    done = (
        f"reply of contact {contact.email} on ticket #{ticket.number} (matched by {decision.via})"
    )
    if mail.attempts > 1:
        earlier = await _earlier_reply(mail, ticket, contact, body)
        if earlier is not None:
            return Outcome(InboundStatus.PROCESSED, done, ticket.id, earlier.id)
    try:
        posted = await reply_as_contact(
            contact=contact,
            settings=settings,
            ticket=ticket,
            body=body,
            files=files,
            mail_ccs=_mail_ccs(parsed, settings),
        )
    except PermissionDenied:
        # Removed from the CC between matching and posting: held, as any unproven sender.
        return Outcome(
            InboundStatus.HELD,
            f"a reply of {contact.email} to ticket #{ticket.number}, where it is no longer "
            "copied (CC)",
            ticket.id,
        )
    except (ValidationFailed, Conflict) as exc:
        return Outcome(InboundStatus.FAILED, f"not accepted: {exc.message}", ticket.id)
    return Outcome(InboundStatus.PROCESSED, done, ticket.id, posted.message.id)


async def _earlier_reply(
    mail: InboundMail, ticket: Ticket, author: User | Contact, body: str
) -> Message | None:
    """The reply an interrupted earlier attempt for this message already posted (by a user,
    or by a contact CC'd on the ticket)."""
    by = {"author_contact_id" if isinstance(author, Contact) else "author_id": author.id}
    return (
        await Message.filter(
            ticket_id=ticket.id,
            source=MessageSource.EMAIL,
            body=body.strip(),
            created_at__gte=mail.received_at,
            **by,
        )
        .order_by("id")
        .first()
    )


def _subject(parsed: ParsedMail) -> str:
    """A new ticket's subject: the mail's, without a "[Ticket #N]" tag it did not match (a
    reply to another ticket's notification, forwarded or mistyped, opens a ticket of its own
    whose subject should not name the other one)."""
    subject = " ".join(SUBJECT_NUMBER.sub(" ", parsed.subject).split()) or "(no subject)"
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


async def _client_for_new_ticket(parsed: ParsedMail, settings: Settings) -> User | Refuse:
    user = await User.get_or_none(email=normalise_email(parsed.from_address))
    if user is None:
        if not settings.unknown_senders_become_clients:
            # No notice: the From of mail from strangers is often forged (backscatter).
            return Refuse("unknown sender, and unknown senders may not open tickets", None)
        return await ensure_client(email=parsed.from_address, name=parsed.from_name or None)
    if not user.active:
        return INACTIVE
    if not policy.may_open_tickets_by_mail(user):
        return Refuse(
            "staff cannot open a ticket by email",
            N_("Staff open tickets on behalf of a client in the dashboard."),
        )
    return user


async def _open(
    mail: InboundMail, parsed: ParsedMail, decision: NewTicket, settings: Settings
) -> Outcome:
    client = await _client_for_new_ticket(parsed, settings)
    if isinstance(client, Refuse):
        return _refused(client)
    files, refusals = await mail_files(parsed, settings)
    body = _with_notes(parsed.text.strip(), refusals) or "(attachments only)"
    subject = _subject(parsed)
    department = decision.department
    done = f"new ticket in {department.name}"
    if mail.attempts > 1:
        earlier = await Ticket.filter(
            client_id=client.id,
            department_id=department.id,
            subject=subject,
            created_at__gte=mail.received_at,
        ).first()
        if earlier is not None:
            first = await Message.filter(ticket_id=earlier.id).order_by("id").first()
            return Outcome(InboundStatus.PROCESSED, done, earlier.id, first.id if first else None)
    asked_ccs = _mail_ccs(parsed, settings)
    try:
        opened = await open_ticket(
            actor=await actor_for(client),
            settings=settings,
            department_id=department.id,
            subject=subject,
            body=body,
            source=MessageSource.EMAIL,
            files=files,
            mail_ccs=asked_ccs if decision.proven else (),
        )
    except ValidationFailed as exc:
        return Outcome(InboundStatus.FAILED, f"not accepted: {exc.message}")
    if asked_ccs and not decision.proven:
        # Kept for staff, not acted on: they add the addresses if the client wants them.
        await add_system_note(
            ticket_id=opened.ticket.id,
            text=system_messages.unproven_cc(parsed.from_address, [cc.email for cc in asked_ccs]),
        )
        done += " (its Cc not added: nothing proves the sender)"
    return Outcome(
        InboundStatus.PROCESSED,
        f"{done}: #{opened.ticket.number}",
        opened.ticket.id,
        opened.message.id,
    )
