"""The caller's own account: who am I, signing in and out, personal API tokens."""

from __future__ import annotations

import strawberry

from app.auth.credentials import SESSION_COOKIE
from app.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from app.schema.accounts import (
    Accepted,
    AcceptedResult,
    AccountChange,
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
from app.schema.directory import Language, User, UserResult
from app.services import account_links, accounts, audit, profile


@strawberry.type
class AccountQueries:
    @strawberry.field(description="The signed-in user, or null.")
    async def me(self, info: Info) -> User | None:
        actor = info.context.actor
        if actor is None:
            return None
        user = await info.context.loaders.users.load(actor.user_id)
        return User.of(user) if user else None

    @strawberry.field(description="The languages the UI and mail ship in, default first.")
    def languages(self, info: Info) -> list[Language]:
        default = info.context.settings.default_language
        codes = sorted(LANGUAGES, key=lambda code: code != default)
        return [Language(code=code, name=LANGUAGE_NAMES[code]) for code in codes]

    @strawberry.field(description="Whether people may sign up as clients (CLIENT_SIGNUP).")
    def client_signup(self, info: Info) -> bool:
        return info.context.settings.client_signup

    @strawberry.field(description="Administrators: the latest changes to a user's account.")
    async def account_changes(
        self, info: Info, user_id: strawberry.ID, first: int = 50
    ) -> list[AccountChange]:
        rows = await audit.account_trail(
            actor=info.context.actor, user_id=parse_id(user_id, "userId"), first=min(first, 100)
        )
        people = {
            u.id: u
            for u in await info.context.loaders.users.load_many(
                [r.actor_id for r in rows if r.actor_id]
            )
            if u is not None
        }
        return [
            AccountChange(
                id=strawberry.ID(str(r.id)),
                field=r.field,
                old_value=r.old_value,
                new_value=r.new_value,
                actor=User.of(people[r.actor_id]) if r.actor_id in people else None,
                created_at=r.created_at,
            )
            for r in rows
        ]

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

    @mutation(
        description="Mails a link to choose a new password (valid 1 hour, works once) to the "
        "account with this address, if there is one; the answer is the same either way."
    )
    async def request_password_reset(self, info: Info, email: str) -> AcceptedResult:
        await account_links.request_password_reset(
            redis=info.context.redis,
            settings=info.context.settings,
            email=email,
            address=info.context.client_address(),
        )
        return Accepted(
            message=info.context.say(
                N_("If an account has this address, we sent it a link to choose a new password.")
            )
        )

    @mutation(
        description="Sets the password with the token of a reset or invitation link; signs "
        "the user out everywhere (every session and API token)."
    )
    async def reset_password(self, info: Info, token: str, password: str) -> AcceptedResult:
        await account_links.set_password_with_link(
            settings=info.context.settings, token=token, password=password
        )
        return Accepted(message=info.context.say(N_("Your password is set. Sign in with it.")))

    @mutation(
        description="A client account (when CLIENT_SIGNUP is on): a link to confirm the address "
        "is mailed, and the account signs in once it is followed. The same answer for an "
        "address that already has an account (its owner is mailed instead)."
    )
    async def sign_up(self, info: Info, name: str, email: str, password: str) -> AcceptedResult:
        await account_links.sign_up(
            redis=info.context.redis,
            settings=info.context.settings,
            name=name,
            email=email,
            password=password,
            address=info.context.client_address(),
            accept_language=(
                info.context.request.headers.get("accept-language")
                if info.context.request is not None
                else None
            ),
        )
        return Accepted(
            message=info.context.say(N_("Check your mail: we sent a link to finish signing up."))
        )

    @mutation(description="Confirms the address with the token of the link mailed at sign-up.")
    async def verify_email(self, info: Info, token: str) -> AcceptedResult:
        await account_links.verify_email(settings=info.context.settings, token=token)
        return Accepted(
            message=info.context.say(
                N_("Your address is confirmed. Sign in to open your first ticket.")
            )
        )

    @mutation(
        description="The caller's own profile; leave out what stays. language: en or de. "
        "timeZone: an IANA name (Europe/Berlin); empty returns to the default. signature "
        "(staff): Markdown added to their public replies when sent, at most 1,000 characters "
        'and 20 lines; "" removes it.'
    )
    async def update_profile(
        self,
        info: Info,
        signature: str | None = None,
        language: str | None = None,
        time_zone: str | None = None,
    ) -> UserResult:
        user = await profile.update_profile(
            actor=info.context.actor, signature=signature, language=language, time_zone=time_zone
        )
        return User.of(user)

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
