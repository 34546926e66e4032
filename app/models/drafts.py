"""Reply drafts: the text a user is writing on a ticket, kept per user and ticket
(app/services/drafts.py). Private to their author; removed when they send."""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from app.models.tickets import Ticket
from app.models.users import User


class Draft(Model):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="drafts", on_delete=fields.CASCADE
    )
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="drafts", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    # The composer's mode: an internal note (staff) or a public reply.
    internal = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField()

    user_id: int
    ticket_id: int

    class Meta:
        table = "drafts"
        unique_together = (("user", "ticket"),)
        indexes = [Index(fields=("updated_at",))]
