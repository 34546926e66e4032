"""The caller's own account: who am I, signing in and out, personal API tokens."""

from __future__ import annotations

import strawberry

from app.auth.credentials import SESSION_COOKIE
from app.schema.accounts import (
    ApiToken,
    ApiTokenResult,
    ChangePasswordResult,
    LoginResult,
    NewApiToken,
    PasswordChanged,
    RevokeApiTokenResult,
    Session,
)
from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import parse_id
from app.schema.directory import User
from app.services import accounts


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in user, or null.")
    async def me(self, info: Info) -> User | None:
        actor = info.context.actor
        if actor is None:
            return None
        user = await info.context.loaders.users.load(actor.user_id)
        return User.of(user) if user else None

    @strawberry.field(description="The caller's personal API tokens.")
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        return [ApiToken.of(t) for t in await accounts.list_api_tokens(actor=info.context.actor)]


@strawberry.type
class AccountMutations:
    @mutation()
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        signed = await accounts.login(
            redis=info.context.redis,
            settings=info.context.settings,
            email=email,
            password=password,
            address=info.context.client_address(),
        )
        if info.context.response is not None:
            info.context.response.set_cookie(
                SESSION_COOKIE,
                signed.token,
                httponly=True,
                samesite="lax",
                secure=info.context.settings.public_url.startswith("https://"),
                max_age=info.context.settings.session_days * 86400,
                path="/",
            )
        return Session(token=signed.token, user=User.of(signed.user))

    @mutation(
        description="The caller's own password: checks the current one (failures count like "
        "failed sign-ins) and signs out every other session of the caller."
    )
    async def change_password(self, info: Info, current: str, new: str) -> ChangePasswordResult:
        changed = await accounts.change_password(
            actor=info.context.actor,
            redis=info.context.redis,
            settings=info.context.settings,
            current=current,
            new=new,
            address=info.context.client_address(),
        )
        return PasswordChanged(
            user=User.of(changed.user), revoked_sessions=changed.revoked_sessions
        )

    @strawberry.mutation(description="Revokes the session or token used; clears the cookie.")
    async def logout(self, info: Info) -> bool:
        if info.context.response is not None:
            info.context.response.delete_cookie(SESSION_COOKIE, path="/")
        return await accounts.logout(actor=info.context.actor)

    @mutation()
    async def create_api_token(self, info: Info, name: str) -> ApiTokenResult:
        secret, row = await accounts.create_api_token(actor=info.context.actor, name=name)
        return NewApiToken(token=secret, api_token=ApiToken.of(row))

    @mutation()
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeApiTokenResult:
        row = await accounts.revoke_api_token(actor=info.context.actor, token_id=parse_id(id, "id"))
        return ApiToken.of(row)
