"""Departments and users: the types, inputs and enum of the directory."""

from __future__ import annotations

import strawberry
from strawberry import Private

from app import models
from app.auth import policy
from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.core.pagination import Connection
from app.schema.core.text_guard import MULTILINE

Role = models.Role
strawberry.enum(Role, name="Role")  # the stored enum is the GraphQL enum


@strawberry.type
class User:
    id: strawberry.ID
    name: str
    role: Role
    _email: Private[str]
    active: bool
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )
    _language: Private[str | None] = None
    _time_zone: Private[str | None] = None
    _signature: Private[str] = ""

    @strawberry.field(description="Shown to staff and to the user themselves only.")
    def email(self, info: Info) -> str:
        return self._email if policy.can_see_email(info.context.actor, int(self.id)) else ""

    @strawberry.field(
        description="The user's language code (en, de): their choice, else DEFAULT_LANGUAGE. "
        "Shown to the user themselves and to administrators only (else null)."
    )
    def language(self, info: Info) -> str | None:
        if not policy.can_see_profile_settings(info.context.actor, int(self.id)):
            return None
        return self._language or info.context.settings.default_language

    @strawberry.field(
        description="The user's IANA time zone, or null when they chose none (the web UI then "
        "uses the browser's, mail DEFAULT_TIME_ZONE). Shown to the user themselves and to "
        "administrators only."
    )
    def time_zone(self, info: Info) -> str | None:
        if not policy.can_see_profile_settings(info.context.actor, int(self.id)):
            return None
        return self._time_zone

    @strawberry.field(
        description="Staff: Markdown added to their public replies when sent. Shown to the "
        "user themselves and to admins (null to anyone else)."
    )
    def signature(self, info: Info) -> str | None:
        if not policy.can_see_signature(info.context.actor, int(self.id)):
            return None
        return self._signature

    @classmethod
    def of(cls, user: models.User) -> User:
        return cls(
            id=strawberry.ID(str(user.id)),
            name=user.name,
            role=user.role,
            _email=user.email,
            active=user.active,
            version=user.version,
            _language=user.language,
            _time_zone=user.time_zone,
            _signature=user.signature,
        )


@strawberry.type
class UserConnection(Connection[User]):
    pass


@strawberry.type
class Department:
    id: strawberry.ID
    name: str
    version: int = strawberry.field(
        description="Bumped by every save; pass it back as expectedVersion when saving."
    )
    _model: Private[models.Department]

    @strawberry.field(description="The department's mail address (admins only).")
    def email(self, info: Info) -> str | None:
        return self._model.email if _settings_visible(info) else None

    @strawberry.field(description="Auto-close override in days; null uses the global setting.")
    def auto_close_days(self, info: Info) -> int | None:
        return self._model.auto_close_days if _settings_visible(info) else None

    @classmethod
    def of(cls, department: models.Department) -> Department:
        return cls(
            id=strawberry.ID(str(department.id)),
            name=department.name,
            version=department.version,
            _model=department,
        )


def _settings_visible(info: Info) -> bool:
    return policy.can_see_department_settings(info.context.actor)


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
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version this edit was made on; if it changed since, the answer is "
        "Conflict (field expectedVersion) and nothing is changed. Leave out to save anyway.",
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
    language: str | None = strawberry.field(default=None, description="en or de.")
    time_zone: str | None = strawberry.field(
        default=None, description="An IANA name (Europe/Berlin); empty returns to the default."
    )
    signature: str | None = strawberry.field(
        default=None,
        metadata=MULTILINE,
        description='Staff: Markdown added to their public replies ("" removes it).',
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="The version this edit was made on; if it changed since, the answer is "
        "Conflict (field expectedVersion) and nothing is changed. Leave out to save anyway.",
    )


@strawberry.type(description="A language the product ships (UI and mail).")
class Language:
    code: str
    name: str


DepartmentResult = result_union("DepartmentResult", Department)
UserResult = result_union("UserResult", User)
