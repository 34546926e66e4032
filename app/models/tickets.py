from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from app.models.enums import MessageSource, TicketPriority, TicketStatus
from app.models.users import Department, User

SLA_NONE_KEY = 2**53
"""``Ticket.sla_due_key`` of a ticket no SLA clock runs on: after every due time."""


class TicketSequence(Model):
    # One row holding the next ticket number, so numbers are never reused after deletes.

    id = fields.IntField(primary_key=True)
    next_number = fields.IntField()

    class Meta:
        table = "ticket_sequence"


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    number = fields.IntField(unique=True)
    subject = fields.CharField(max_length=255)
    status = fields.CharEnumField(TicketStatus, max_length=20, default=TicketStatus.OPEN)
    priority = fields.IntEnumField(TicketPriority, default=TicketPriority.MEDIUM)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="tickets", on_delete=fields.RESTRICT
    )
    client: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="client_tickets", on_delete=fields.RESTRICT
    )
    assignee: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    last_activity_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    # Goes up by one with every change (app/services/ticket_changes.py); updateTicket's
    # expectedVersion is checked against it.
    version = fields.IntField(default=1, db_default=1)
    # Set when this ticket was merged into another (app/services/merge.py): it stays, closed,
    # under its number, and mail replies to it land on this one.
    merged_into: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="merged_sources", null=True, on_delete=fields.SET_NULL
    )
    # Service levels (app/services/sla.py keeps these on every change). Due times of the
    # running clocks (null: not running); first_response_due_at stays after the reply, for
    # reports, with first_response_at.
    sla_active = fields.BooleanField(default=False, db_default=False)
    first_response_due_at = fields.DatetimeField(null=True)
    first_response_at = fields.DatetimeField(null=True)
    next_response_due_at = fields.DatetimeField(null=True)
    next_response_started_at = fields.DatetimeField(null=True)
    resolution_due_at = fields.DatetimeField(null=True)
    # The resolution clock: running since (null: paused or stopped) and the target's seconds
    # used before that (business or calendar seconds, as the target counts them).
    resolution_started_at = fields.DatetimeField(null=True)
    resolution_used_seconds = fields.IntField(default=0, db_default=0)
    resolved_at = fields.DatetimeField(null=True)
    # When the soonest running clock turns AT_RISK; the first breach (sticky, for reports
    # and the "breached" filter); the soonest due time in epoch seconds (SLA_NONE_KEY: no
    # clock runs), the list's "due soonest" sort.
    sla_warn_at = fields.DatetimeField(null=True)
    sla_breached_at = fields.DatetimeField(null=True)
    sla_due_key = fields.BigIntField(default=SLA_NONE_KEY, db_default=SLA_NONE_KEY)

    department_id: int
    client_id: int
    assignee_id: int | None
    merged_into_id: int | None

    class Meta:
        table = "tickets"
        indexes = [
            Index(fields=("last_activity_at", "number")),
            Index(fields=("department_id", "last_activity_at", "number")),
            Index(fields=("client_id", "last_activity_at", "number")),
            Index(fields=("status", "last_activity_at")),
            Index(fields=("assignee_id", "last_activity_at")),
            # A department's ticket ids from the index alone: the search's scope for staff.
            Index(fields=("department_id", "id")),
            Index(fields=("sla_due_key", "number")),
            # Reports (app/services/reports.py): by when tickets opened, were answered, closed.
            Index(fields=("created_at",)),
            Index(fields=("department_id", "created_at")),
            Index(fields=("closed_at",)),
            Index(fields=("first_response_at",)),
        ]


class Message(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="messages", null=True, on_delete=fields.SET_NULL
    )
    body = fields.TextField()
    internal = fields.BooleanField(default=False)
    source = fields.CharEnumField(MessageSource, max_length=10, default=MessageSource.WEB)
    created_at = fields.DatetimeField()
    # The ticket's version this message made (null: written before versions existed).
    ticket_version = fields.IntField(null=True)
    # The author's signature as it was when sent (staff public replies); later edits of the
    # profile leave it alone.
    signature = fields.TextField(null=True)
    # body and signature rendered and sanitised (app/services/markdown.py), stored when the
    # message is written; null on rows written before (migration 0020): rendered and stored
    # when first read.
    body_html = fields.TextField(null=True)
    signature_html = fields.TextField(null=True)
    # A system message's template key and values (JSON, app/services/system_messages.py),
    # rendered in the reader's language; null for everything people wrote, and for system
    # messages written before migration 0024 that it did not recognise (their body is shown).
    template = fields.TextField(null=True)
    # Set (author null) on a mail reply by a contact CC'd on the ticket (app/models/contacts.py).
    author_contact: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Contact", related_name="messages", null=True, on_delete=fields.SET_NULL
    )

    ticket_id: int
    author_id: int | None
    author_contact_id: int | None

    class Meta:
        table = "messages"
        # A thread is read in time order: merged messages keep their ids (app/services/merge.py).
        indexes = [
            Index(fields=("ticket_id", "id")),
            Index(fields=("ticket_id", "created_at", "id")),
        ]


class Attachment(Model):
    # A stored file; ``public_id`` is the unguessable id used in download URLs.

    id = fields.IntField(primary_key=True)
    public_id = fields.CharField(max_length=40, unique=True)
    message: fields.ForeignKeyRelation[Message] = fields.ForeignKeyField(
        "models.Message", related_name="attachments", on_delete=fields.CASCADE
    )
    filename = fields.CharField(max_length=255)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    sha256 = fields.CharField(max_length=64, db_index=True)
    created_at = fields.DatetimeField()

    message_id: int

    class Meta:
        table = "attachments"


class AuditEntry(Model):
    # Who changed which ticket field, from what to what, and when.

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="audit", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    field = fields.CharField(max_length=30)
    old_value = fields.CharField(max_length=255, null=True)
    new_value = fields.CharField(max_length=255, null=True)
    created_at = fields.DatetimeField()
    # The ticket's version this change made (null: recorded before versions existed).
    ticket_version = fields.IntField(null=True)

    ticket_id: int
    actor_id: int | None

    class Meta:
        table = "audit_entries"
        # field + created_at: the reports' backlog reads status changes by time.
        indexes = [Index(fields=("ticket_id", "id")), Index(fields=("field", "created_at"))]


class CannedResponse(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="canned_responses", null=True, on_delete=fields.CASCADE
    )
    # Set: a staff member's personal response, which only they see and edit.
    owner: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name="canned_responses", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    department_id: int | None
    owner_id: int | None

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "canned_responses"
        ordering = ["title"]


class Tag(Model):
    # A global label staff put on tickets (internal: clients never see it); admins manage them.

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=40)
    # The name case-folded (which may lengthen it): names are unique regardless of case.
    name_key = fields.CharField(max_length=160, unique=True)
    color = fields.CharField(max_length=7)
    created_at = fields.DatetimeField()

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "tags"


class TicketTag(Model):
    # A tag on a ticket; the list filters on (tag_id, ticket_id).

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="tag_links", on_delete=fields.CASCADE
    )
    tag: fields.ForeignKeyRelation[Tag] = fields.ForeignKeyField(
        "models.Tag", related_name="ticket_links", on_delete=fields.CASCADE
    )

    ticket_id: int
    tag_id: int

    class Meta:
        table = "ticket_tags"
        unique_together = (("ticket_id", "tag_id"),)
        indexes = [Index(fields=("tag_id", "ticket_id"))]
