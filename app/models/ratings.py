"""Customer satisfaction: a client's rating of a closed ticket (app/services/ratings.py).

Every rating given is a row (the history); the ticket's rating is its ``current`` row, the
latest. ``close_entry`` is the audit entry of the close the rating answers (each close asks
again), which is also what a mailed rating link is signed over.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from app.models.enums import RatingScore, RatingSource
from app.models.tickets import Ticket
from app.models.users import User


class TicketRating(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="ratings", on_delete=fields.CASCADE
    )
    client: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="ratings", null=True, on_delete=fields.SET_NULL
    )
    score = fields.CharEnumField(RatingScore, max_length=10)
    comment = fields.TextField(null=True)
    source = fields.CharEnumField(RatingSource, max_length=10)
    close_entry_id = fields.IntField()
    rated_at = fields.DatetimeField()
    # True on the ticket's latest rating only (a newer one clears it on the older).
    current = fields.BooleanField(default=True)

    ticket_id: int
    client_id: int | None

    class Meta:
        table = "ticket_ratings"
        indexes = [
            Index(fields=("ticket_id", "current")),
            Index(fields=("current", "rated_at")),
        ]
