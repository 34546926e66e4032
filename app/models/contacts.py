"""CC and followers (app/services/ccs.py): a client's contacts CC'd on tickets, and staff who
follow a ticket.

A contact is a colleague of a client, known by address only: no account, no sign-in. It gets a
ticket's public notifications while it is CC'd there, and its mail replies post on the ticket
as that contact (``Message.author_contact``).
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from app.models.tickets import Ticket
from app.models.users import User


class Contact(Model):
    id = fields.IntField(primary_key=True)
    client: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="contacts", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()

    client_id: int

    class Meta:
        table = "contacts"
        unique_together = (("client_id", "email"),)


class TicketCc(Model):
    # A contact CC'd on a ticket (the order they were added in is the order shown).

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="cc_links", on_delete=fields.CASCADE
    )
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="cc_links", on_delete=fields.CASCADE
    )

    ticket_id: int
    contact_id: int

    class Meta:
        table = "ticket_ccs"
        unique_together = (("ticket_id", "contact_id"),)
        indexes = [Index(fields=("contact_id", "ticket_id"))]


class TicketFollower(Model):
    # A staff member who gets a ticket's notifications without being assigned.

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="follower_links", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="followed_links", on_delete=fields.CASCADE
    )

    ticket_id: int
    user_id: int

    class Meta:
        table = "ticket_followers"
        unique_together = (("ticket_id", "user_id"),)
        indexes = [Index(fields=("user_id", "ticket_id"))]
