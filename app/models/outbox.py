from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class OutboxEvent(Model):
    # One event (a ticket event, a session signal) written in the transaction of the change it
    # describes; the relay (app.events.outbox) publishes it and marks it sent.

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=64)
    payload = fields.TextField()
    notify = fields.BooleanField(default=False)  # also enqueue the notification job
    created_at = fields.DatetimeField()
    # Until when (epoch ms) the row is left to the process that wrote it, which sends it right
    # after its commit; other processes' relays take it after that.
    hold_until_ms = fields.BigIntField(null=True)
    sent_at = fields.DatetimeField(null=True)
    # When the notification job finished with it: until then the relay enqueues it again now and
    # then (the job id dedupes), as Redis may lose a queued job when it dies.
    handled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox"
        indexes = [Index(fields=("sent_at", "id"))]
