"""The caller's own account: sessions and personal API tokens."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app import models
from app.schema.core.errors import result_union
from app.schema.directory import User


@strawberry.type
class Session:
    token: str
    user: User


@strawberry.type(description="The password was changed; the session used stays signed in.")
class PasswordChanged:
    user: User
    revoked_sessions: int = strawberry.field(
        description="How many other sessions of the user were signed out."
    )


@strawberry.type
class ApiToken:
    id: strawberry.ID
    name: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: models.AuthToken) -> ApiToken:
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
        )


@strawberry.type
class NewApiToken:
    token: str = strawberry.field(description="Shown once; only a hash is kept.")
    api_token: ApiToken


@strawberry.type(
    description="Done; what happens next is in the mail. The same answer whether or not the "
    "address has an account."
)
class Accepted:
    message: str


@strawberry.type(description="A change to a user's account, for administrators.")
class AccountChange:
    id: strawberry.ID
    field: str
    old_value: str | None
    new_value: str | None
    actor: User | None
    created_at: datetime


LoginResult = result_union("LoginResult", Session)
AcceptedResult = result_union("AcceptedResult", Accepted)
ChangePasswordResult = result_union("ChangePasswordResult", PasswordChanged)
ApiTokenResult = result_union("ApiTokenResult", NewApiToken)
RevokeApiTokenResult = result_union("RevokeApiTokenResult", ApiToken)
