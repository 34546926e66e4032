"""Who is acting: a user with their role and departments, loaded once per request."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models import Role, User


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    name: str
    email: str
    department_ids: frozenset[int] = field(default_factory=frozenset)
    token_id: int | None = None
    language: str | None = None
    """The user's chosen language (None: the installation's default), for messages to them."""

    @property
    def access(self) -> tuple[Role, frozenset[int]]:
        """What the policy decides by: two actors with the same access may see the same."""
        return self.role, self.department_ids

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Staff or admin: anyone who works tickets."""
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def is_client(self) -> bool:
        return self.role is Role.CLIENT


SYSTEM = Actor(user_id=0, role=Role.ADMIN, name="System", email="")
"""The actor for jobs (auto-close) that act with no user behind them."""


async def actor_for(user: User, token_id: int | None = None) -> Actor:
    department_ids: frozenset[int] = frozenset()
    if user.role is Role.STAFF:
        department_ids = frozenset(
            await user.departments.all().values_list("id", flat=True)  # type: ignore[arg-type]
        )
    return actor_with(user, department_ids, token_id)


def actor_with(user: User, department_ids: frozenset[int], token_id: int | None = None) -> Actor:
    """``user`` as an actor, their departments read already (staff's; none for others)."""
    if user.role is not Role.STAFF:
        department_ids = frozenset()
    return Actor(
        user_id=user.id,
        role=user.role,
        name=user.name,
        email=user.email,
        department_ids=department_ids,
        token_id=token_id,
        language=user.language,
    )
