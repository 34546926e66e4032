"""Departments, users, canned responses, settings and the caller's own account."""

from __future__ import annotations

import strawberry

from app.resolvers.ids import optional_id, parse_id
from app.schema.enums import Role
from app.schema.errors import mutation, result_union
from app.schema.inputs import (
    CannedResponseInput,
    CreateDepartmentInput,
    CreateUserInput,
    UpdateDepartmentInput,
    UpdateUserInput,
)
from app.schema.types import (
    ApiToken,
    CannedResponse,
    Department,
    HelpdeskSettings,
    Info,
    NewApiToken,
    PasswordChanged,
    Session,
    User,
)
from app.services import accounts, canned, directory, settings

DepartmentResult = result_union("DepartmentResult", Department)
UserResult = result_union("UserResult", User)
CannedResponseResult = result_union("CannedResponseResult", CannedResponse)
LoginResult = result_union("LoginResult", Session)
ChangePasswordResult = result_union("ChangePasswordResult", PasswordChanged)
ApiTokenResult = result_union("ApiTokenResult", NewApiToken)
RevokeResult = result_union("RevokeApiTokenResult", ApiToken)
SettingsResult = result_union("SettingsResult", HelpdeskSettings)
DeleteResult = result_union("DeleteCannedResponseResult", CannedResponse)


@strawberry.type
class AdminQueries:
    @strawberry.field(description="The signed-in user, or null.")
    async def me(self, info: Info) -> User | None:
        actor = info.context.actor
        if actor is None:
            return None
        user = await info.context.loaders.users.load(actor.user_id)
        return User.of(user) if user else None

    @strawberry.field(description="Clients: all (to open tickets). Staff: their own.")
    async def departments(self, info: Info) -> list[Department]:
        if info.context.actor is None:
            return []
        rows = await directory.list_departments(actor=info.context.actor)
        return [Department.of(row) for row in rows]

    @strawberry.field(description="Staff only: global ones and those of their departments.")
    async def canned_responses(
        self, info: Info, department_id: strawberry.ID | None = None
    ) -> list[CannedResponse]:
        actor = info.context.actor
        if actor is None or not actor.is_staff:
            return []
        rows = await canned.list_canned(
            actor=actor, department_id=optional_id(department_id, "departmentId")
        )
        return [CannedResponse.of(row) for row in rows]

    @strawberry.field(description="Admins: everyone. Staff: staff of their departments.")
    async def users(
        self, info: Info, role: Role | None = None, department_id: strawberry.ID | None = None
    ) -> list[User]:
        actor = info.context.actor
        if actor is None or not actor.is_staff:
            return []
        rows = await directory.list_users(
            actor=actor, role=role, department_id=optional_id(department_id, "departmentId")
        )
        return [User.of(row) for row in rows]

    @strawberry.field(description="The caller's personal API tokens.")
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        if info.context.actor is None:
            return []
        return [ApiToken.of(t) for t in await accounts.list_api_tokens(actor=info.context.actor)]

    @strawberry.field(description="Global settings (admins).")
    async def settings(self, info: Info) -> HelpdeskSettings | None:
        if info.context.actor is None or not info.context.actor.is_admin:
            return None
        return HelpdeskSettings(auto_close_days=await settings.auto_close_days())


@strawberry.type
class AdminMutations:
    @mutation()
    async def login(self, info: Info, email: str, password: str) -> LoginResult:
        signed = await accounts.login(
            redis=info.context.redis,
            email=email,
            password=password,
            address=info.context.client_address(),
        )
        if info.context.response is not None:
            from app.context import SESSION_COOKIE

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
            from app.context import SESSION_COOKIE

            info.context.response.delete_cookie(SESSION_COOKIE, path="/")
        return await accounts.logout(actor=info.context.actor)

    @mutation()
    async def create_api_token(self, info: Info, name: str) -> ApiTokenResult:
        secret, row = await accounts.create_api_token(actor=info.context.actor, name=name)
        return NewApiToken(token=secret, api_token=ApiToken.of(row))

    @mutation()
    async def revoke_api_token(self, info: Info, id: strawberry.ID) -> RevokeResult:
        row = await accounts.revoke_api_token(actor=info.context.actor, token_id=parse_id(id, "id"))
        return ApiToken.of(row)

    @mutation()
    async def create_department(self, info: Info, input: CreateDepartmentInput) -> DepartmentResult:
        row = await directory.create_department(
            actor=info.context.actor,
            name=input.name,
            email=input.email,
            auto_close_days=input.auto_close_days,
        )
        return Department.of(row)

    @mutation()
    async def update_department(self, info: Info, input: UpdateDepartmentInput) -> DepartmentResult:
        clear = input.auto_close_days is None
        days = None if input.auto_close_days in (None, strawberry.UNSET) else input.auto_close_days
        row = await directory.update_department(
            actor=info.context.actor,
            department_id=parse_id(input.id, "id"),
            name=input.name,
            email=input.email,
            auto_close_days=days,
            clear_auto_close=clear,
        )
        return Department.of(row)

    @mutation()
    async def create_user(self, info: Info, input: CreateUserInput) -> UserResult:
        row = await directory.create_user(
            actor=info.context.actor,
            name=input.name,
            email=input.email,
            password=input.password,
            role=input.role,
            department_ids=[parse_id(d, "departmentIds") for d in input.department_ids or ()],
        )
        return User.of(row)

    @mutation()
    async def update_user(self, info: Info, input: UpdateUserInput) -> UserResult:
        department_ids = (
            None
            if input.department_ids is None
            else [parse_id(d, "departmentIds") for d in input.department_ids]
        )
        row = await directory.update_user(
            actor=info.context.actor,
            user_id=parse_id(input.id, "id"),
            name=input.name,
            email=input.email,
            role=input.role,
            department_ids=department_ids,
            active=input.active,
            password=input.password,
        )
        return User.of(row)

    @mutation()
    async def create_canned_response(
        self, info: Info, input: CannedResponseInput
    ) -> CannedResponseResult:
        row = await canned.create_canned(
            actor=info.context.actor,
            title=input.title,
            body=input.body,
            department_id=optional_id(input.department_id, "departmentId"),
        )
        return CannedResponse.of(row)

    @mutation()
    async def delete_canned_response(self, info: Info, id: strawberry.ID) -> DeleteResult:
        row = await canned.delete_canned(actor=info.context.actor, canned_id=parse_id(id, "id"))
        return CannedResponse.of(row)

    @mutation()
    async def set_auto_close_days(self, info: Info, days: int) -> SettingsResult:
        value = await settings.set_auto_close_days(actor=info.context.actor, days=days)
        return HelpdeskSettings(auto_close_days=value)
