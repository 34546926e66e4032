from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from app.models.users import Department, User


class SavedView(Model):
    # A staff member's named ticket-list filter and sort; an admin may share theirs with a
    # department (its members see it, only the owner changes it).

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="saved_views", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=60)
    # The name case-folded: one owner's names are unique regardless of case.
    name_key = fields.CharField(max_length=240)
    # The list's filter as the service holds it (see app.services.saved_views).
    filters: Any = fields.JSONField()
    sort_field = fields.CharField(max_length=20)
    sort_descending = fields.BooleanField(default=True)
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "models.Department", related_name="shared_views", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    owner_id: int
    department_id: int | None

    class Meta:
        table = "saved_views"
        unique_together = (("owner_id", "name_key"),)
        indexes = [Index(fields=("department_id",))]
