"""Departments and users: listing them (scoped by the policy) and, for admins, editing them."""

from __future__ import annotations

import strawberry

from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.core.errors import mutation
from app.schema.core.ids import optional_id, parse_id
from app.schema.directory import (
    CreateDepartmentInput,
    CreateUserInput,
    Department,
    DepartmentResult,
    Role,
    UpdateDepartmentInput,
    UpdateUserInput,
    User,
    UserConnection,
    UserResult,
)
from app.services import directory


@strawberry.type
class DirectoryQueries:
    @strawberry.field(description="Clients: all (to open tickets). Staff: their own.")
    async def departments(self, info: Info) -> list[Department]:
        rows = await directory.list_departments(
            actor=info.context.actor, every=info.context.loaders.every_department
        )
        return [Department.of(row) for row in rows]

    @strawberry.field(
        description="Where staff and admins may move a ticket (triage): every department, "
        "also those whose tickets they cannot see (moving one there loses access to it). "
        "Others: none."
    )
    async def move_targets(self, info: Info) -> list[Department]:
        rows = await directory.list_move_targets(
            actor=info.context.actor, every=info.context.loaders.every_department
        )
        return [Department.of(row) for row in rows]

    @strawberry.field(
        description="Admins: everyone. Staff: staff of their departments. By name, then id."
    )
    async def users(
        self,
        info: Info,
        role: Role | None = None,
        department_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> UserConnection:
        key = pagination.decode_cursor(after, "user", max_text=directory.MAX_NAME)
        rows, has_next = await info.context.loaders.list_users(
            actor=info.context.actor,
            role=role,
            department_id=optional_id(department_id, "departmentId"),
            first=pagination.checked_first(first),
            after=None if key is None else directory.user_position(key),
        )
        return pagination.connection(
            UserConnection,
            "user",
            [User.of(row) for row in rows],
            [[row.name, row.id] for row in rows],
            has_next=has_next,
            after=after,
        )


@strawberry.type
class DirectoryMutations:
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
            expected_version=input.expected_version,
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
            language=input.language,
            time_zone=input.time_zone,
            signature=input.signature,
            expected_version=input.expected_version,
        )
        return User.of(row)
