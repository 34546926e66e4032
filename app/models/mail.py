from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from app.models.enums import InboundStatus, OutboundStatus


class OutboundMail(Model):
    # One notification to one recipient; ``dedupe_key`` makes sending idempotent.

    id = fields.IntField(primary_key=True)
    dedupe_key = fields.CharField(max_length=200, unique=True)
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="outbound_mail", null=True, on_delete=fields.SET_NULL
    )
    recipient = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=300)
    message_id = fields.CharField(max_length=300)
    status = fields.CharEnumField(OutboundStatus, max_length=10, default=OutboundStatus.PENDING)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    next_attempt_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbound_mail"
        indexes = [Index(fields=("status", "next_attempt_at"))]


class InboundMail(Model):
    # Raw inbound mail, stored before it is parsed so that nothing is lost.

    id = fields.IntField(primary_key=True)
    dedupe_key = fields.CharField(max_length=300, unique=True)
    transport = fields.CharField(max_length=10)
    raw_bytes = fields.BinaryField()
    size = fields.BigIntField()
    sender = fields.CharField(max_length=254, null=True)
    subject = fields.CharField(max_length=300, null=True)
    status = fields.CharEnumField(InboundStatus, max_length=10, default=InboundStatus.RECEIVED)
    reason = fields.TextField(null=True)
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="inbound_mail", null=True, on_delete=fields.SET_NULL
    )
    message: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Message", related_name="inbound_mail", null=True, on_delete=fields.SET_NULL
    )
    received_at = fields.DatetimeField()
    processed_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    # The admin who accepted it while it was HELD: it then counts as proven to be from its From.
    accepted_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # An admin rejected it while it was HELD (the reason names who): it stays REFUSED, no
    # re-run or accept brings it back.
    rejected = fields.BooleanField(default=False)

    class Meta:
        table = "inbound_mail"
        indexes = [Index(fields=("status", "id"))]
