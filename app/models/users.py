from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model
from tortoise.signals import Signals

from app.models.enums import Role, TokenKind


class Department(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    email = fields.CharField(max_length=254, null=True, unique=True)
    auto_close_days = fields.IntField(null=True)
    created_at = fields.DatetimeField()

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "departments"
        ordering = ["name"]


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=10)
    password_hash = fields.CharField(max_length=200, null=True)
    active = fields.BooleanField(default=True)
    # False only for a self-signed-up client who has not followed the link mailed to them yet;
    # such an account cannot sign in (every other way of creating a user sets True).
    email_verified = fields.BooleanField(default=True, db_default=True)
    # The user's language ("en", "de") and IANA time zone, for the web UI and their mail; null
    # means the installation's DEFAULT_LANGUAGE / DEFAULT_TIME_ZONE.
    language = fields.CharField(max_length=8, null=True)
    time_zone = fields.CharField(max_length=64, null=True)
    # Staff: Markdown appended to their public replies when sent (a copy is kept on each).
    signature = fields.TextField(default="", db_default="")
    created_at = fields.DatetimeField()
    departments: fields.ManyToManyRelation[Department] = fields.ManyToManyField(
        "models.Department", related_name="staff", through="department_staff"
    )

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "users"


class AuthToken(Model):
    # A login session or a personal API token; only a hash of the secret is stored.

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(TokenKind, max_length=10)
    name = fields.CharField(max_length=100, default="")
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "auth_tokens"


class AccountAudit(Model):
    # Who changed what on a user's account (admin edits, password resets); never the password.

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="account_audit", on_delete=fields.CASCADE
    )
    actor: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="account_changes_made", null=True, on_delete=fields.SET_NULL
    )
    user_id: int
    actor_id: int | None
    field = fields.CharField(max_length=40)
    old_value = fields.CharField(max_length=300, null=True)
    new_value = fields.CharField(max_length=300, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "account_audit"


class Setting(Model):
    # Admin-editable settings that override the environment's defaults.

    key = fields.CharField(max_length=64, primary_key=True)
    value: Any = fields.JSONField()

    # Bumped by every admin save; a save that names an older one is refused (0019).
    version = fields.IntField(default=1, db_default=1)

    class Meta:
        table = "settings"


# --- Every save or delete of a user or a department bumps the actor generation ---
# What tokens resolve to and what each process keeps of users and departments
# (``app.services.directory_cache``) are kept under that generation; a write outside a
# transaction bumps before its ``save`` returns, one inside bumps as the transaction commits.
# (Query-set ``update``s send no signal: the services that use them on users bump themselves.)


async def _bump(using_db: object) -> None:
    from tortoise.backends.base.client import TransactionalDBClient

    from app.infra import actor_generation

    if actor_generation.configured() is None:
        return
    if isinstance(using_db, TransactionalDBClient) and not using_db._finalized:
        actor_generation.bump_after_commit(using_db)
    else:
        await actor_generation.bump()


async def _saved(
    sender: type[Model], instance: Model, created: bool, using_db: object, update_fields: Any
) -> None:
    await _bump(using_db)


async def _deleted(sender: type[Model], instance: Model, using_db: object) -> None:
    await _bump(using_db)


for _model in (User, Department):
    _model.register_listener(Signals.post_save, _saved)
    _model.register_listener(Signals.post_delete, _deleted)
