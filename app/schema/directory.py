"""Departments and users: the types, inputs and enum of the directory."""

from __future__ import annotations

import strawberry
from strawberry import Private

from app import models
from app.schema.core.context import Info
from app.schema.core.errors import result_union

Role = models.Role
strawberry.enum(Role, name="Role")  # the stored enum is the GraphQL enum


@strawberry.type
class User:
    id: strawberry.ID
    name: str
    role: Role
    _email: Private[str]
    active: bool

    @strawberry.field(description="Shown to staff and to the user themselves only.")
    def email(self, info: Info) -> str:
        actor = info.context.actor
        if actor is not None and (actor.is_staff or str(actor.user_id) == self.id):
            return self._email
        return ""

    @classmethod
    def of(cls, user: models.User) -> User:
        return cls(
            id=strawberry.ID(str(user.id)),
            name=user.name,
            role=user.role,
            _email=user.email,
            active=user.active,
        )


@strawberry.type
class Department:
    id: strawberry.ID
    name: str
    _model: Private[models.Department]

    @strawberry.field(description="The department's mail address (admins only).")
    def email(self, info: Info) -> str | None:
        return self._model.email if _is_admin(info) else None

    @strawberry.field(description="Auto-close override in days; null uses the global setting.")
    def auto_close_days(self, info: Info) -> int | None:
        return self._model.auto_close_days if _is_admin(info) else None

    @classmethod
    def of(cls, department: models.Department) -> Department:
        return cls(id=strawberry.ID(str(department.id)), name=department.name, _model=department)


def _is_admin(info: Info) -> bool:
    return info.context.actor is not None and info.context.actor.is_admin


@strawberry.input
class CreateDepartmentInput:
    name: str
    email: str | None = None
    auto_close_days: int | None = None


@strawberry.input
class UpdateDepartmentInput:
    id: strawberry.ID
    name: str | None = None
    email: str | None = None
    auto_close_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="null returns to the global setting."
    )


@strawberry.input
class CreateUserInput:
    name: str
    email: str
    role: Role
    password: str | None = None
    department_ids: list[strawberry.ID] | None = None


@strawberry.input
class UpdateUserInput:
    id: strawberry.ID
    name: str | None = None
    email: str | None = None
    role: Role | None = None
    password: str | None = None
    department_ids: list[strawberry.ID] | None = None
    active: bool | None = None


DepartmentResult = result_union("DepartmentResult", Department)
UserResult = result_union("UserResult", User)
