"""Departments, users and their department membership (admin operations)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from email.utils import parseaddr
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.fields import CharField
from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor
from app.auth.passwords import hash_password_async, password_problem
from app.auth.tokens import revoke_tokens
from app.errors import Conflict, NotFound, bad_cursor
from app.events import AccountMail, emit_account_mail, emit_session_change
from app.i18n import N_, Msg
from app.infra import actor_generation, db
from app.infra.clock import now
from app.models import Department, Role, User
from app.services import versions
from app.services.audit import record_account
from app.services.profile import check_signature
from app.services.ticket_changes import ticket_changes
from app.services.tickets import unassign_tickets
from app.services.validation import Checks

MAX_USER_ID = 2**31 - 1  # ids are 32-bit integers; a larger one is a forged cursor
MAX_NAME = cast(CharField, User._meta.fields_map["name"]).max_length  # longer: a forged cursor


MAX_DEPARTMENTS = 100
"""Departments there may be (the ``departments`` list is not paged)."""


def normalise_email(value: str | None) -> str:
    _, address = parseaddr((value or "").strip())
    return address.lower()


def check_email(checks: Checks, value: str | None) -> str:
    email = normalise_email(value)
    if not email or "@" not in email or " " in email or len(email) > 254:
        checks.fail("email", "Enter a valid email address.")
    return email


EveryDepartment = Callable[[], Awaitable[list[Department]]]
"""Every department by name, read at most once per request (``Loaders.every_department``)."""


async def every_department() -> list[Department]:
    return await Department.all().order_by("name")


async def list_departments(
    *, actor: Actor | None, every: EveryDepartment | None = None
) -> list[Department]:
    """The departments ``actor`` may see (the policy's scope), by name; through ``every`` when
    that is all of them (a page that also lists move targets reads them once)."""
    if every is not None and policy.sees_every_department(actor):
        return list(await every())
    return await Department.filter(policy.department_scope(actor)).order_by("name")


async def list_move_targets(
    *, actor: Actor | None, every: EveryDepartment | None = None
) -> list[Department]:
    """The departments ``actor`` may move a ticket to (every one for staff and admins)."""
    if every is not None and policy.moves_to_every_department(actor):
        return list(await every())
    return await Department.filter(policy.move_target_scope(actor)).order_by("name")


async def create_department(
    *, actor: Actor | None, name: str, email: str | None = None, auto_close_days: int | None = None
) -> Department:
    policy.require_admin(actor)
    checks = Checks()
    name = checks.text("name", name, max_chars=100, label="Name")
    address = check_email(checks, email) if email else None
    if auto_close_days is not None and auto_close_days < 0:
        checks.fail("autoCloseDays", "Days must be zero (off) or more.")
    checks.raise_if_any()
    # The count and the insert in one transaction that other creates wait for.
    async with in_transaction() as connection:
        await db.serialize(connection, "cap:departments", table="departments")
        if await Department.all().using_db(connection).count() >= MAX_DEPARTMENTS:
            checks.fail(
                "name", Msg("There are {n} departments, the most there may be.", n=MAX_DEPARTMENTS)
            )
            checks.raise_if_any()
        if await Department.filter(name=name).using_db(connection).exists():
            raise Conflict("A department with that name exists.", field="name")
        if address and await Department.filter(email=address).using_db(connection).exists():
            raise Conflict("Another department uses that address.", field="email")
        return await Department.create(
            name=name,
            email=address,
            auto_close_days=auto_close_days,
            created_at=now(),
            using_db=connection,
        )


async def update_department(
    *,
    actor: Actor | None,
    department_id: int,
    name: str | None = None,
    email: str | None = None,
    auto_close_days: int | None = None,
    clear_auto_close: bool = False,
    expected_version: int | None = None,
) -> Department:
    """Change a department; with ``expected_version`` (the one the admin loaded), one changed
    since is refused (Conflict on expectedVersion) and nothing changes."""
    policy.require_admin(actor)
    department = await Department.get_or_none(id=department_id)
    if department is None:
        raise NotFound("Department was not found.", field="id")
    versions.check(department, expected_version, what=N_("This department"))
    checks = Checks()
    if name is not None:
        department.name = checks.text("name", name, max_chars=100, label="Name")
    if email is not None:
        department.email = check_email(checks, email) if email else None
    if auto_close_days is not None:
        if auto_close_days < 0:
            checks.fail("autoCloseDays", "Days must be zero (off) or more.")
        department.auto_close_days = auto_close_days
    if clear_auto_close:
        department.auto_close_days = None
    checks.raise_if_any()
    clash = Department.filter(name=department.name).exclude(id=department.id)
    if await clash.exists():
        raise Conflict("A department with that name exists.", field="name")
    await versions.save(department, expected_version, what=N_("This department"))
    return department


async def create_user(
    *,
    actor: Actor | None,
    name: str,
    email: str,
    password: str | None,
    role: Role,
    department_ids: Sequence[int] = (),
) -> User:
    policy.require_admin(actor)
    checks = Checks()
    name = checks.text("name", name, max_chars=200, label="Name")
    address = check_email(checks, email)
    if password is not None and (problem := password_problem(password)):
        checks.fail("password", problem)
    departments = await _departments(checks, department_ids, role)
    checks.raise_if_any()
    if await User.filter(email=address).exists():
        raise Conflict("A user with that email exists.", field="email")
    password_hash = await hash_password_async(password) if password else None
    async with in_transaction() as connection:
        user = await User.create(
            name=name,
            email=address,
            role=role,
            created_at=now(),
            using_db=connection,
            password_hash=password_hash,
        )
        if departments:
            await user.departments.add(*departments, using_db=connection)
        await record_account(connection, user_id=user.id, actor=actor, field="created", new=role)
        if policy.is_client_role(role) and password_hash is None:
            await invite_client(connection, user)
    return user


async def invite_client(connection: BaseDBAsyncClient, user: User) -> None:
    """Mail a client created by staff a link to choose their password (signed, single-use,
    valid for days), in the caller's transaction: no mail for a user that was not saved."""
    await emit_account_mail(
        connection,
        AccountMail(kind="invite", email=user.email, user=user.id, requested_at=now().isoformat()),
    )


async def ensure_client(*, email: str, name: str | None) -> User:
    """The client with this address, created without a password if new (email intake)."""
    address = normalise_email(email)
    user = await User.get_or_none(email=address)
    if user is not None:
        return user
    return await User.create(
        name=(name or address.split("@")[0])[:200],
        email=address,
        role=Role.CLIENT,
        created_at=now(),
    )


async def update_user(
    *,
    actor: Actor | None,
    user_id: int,
    name: str | None = None,
    email: str | None = None,
    role: Role | None = None,
    department_ids: Sequence[int] | None = None,
    active: bool | None = None,
    password: str | None = None,
    language: str | None = None,
    time_zone: str | None = None,
    signature: str | None = None,
    expected_version: int | None = None,
) -> User:
    """Edit a user (``time_zone=""`` returns them to the default zone); with
    ``expected_version`` (the version the admin loaded), one changed since is refused with a
    Conflict and nothing changes. Leaving a department unassigns their tickets there.
    Deactivating revokes
    every session and token of the user; setting their password too (but the session of an
    admin setting their own). The last active administrator stays one (``Conflict``)."""
    admin = policy.require_admin(actor)
    user = await User.get_or_none(id=user_id)
    if user is None:
        raise NotFound("User was not found.", field="id")
    versions.check(user, expected_version, what=N_("This user"))
    was_active_admin = policy.is_active_administrator(user)
    before = {"name": user.name, "email": user.email, "role": user.role, "active": user.active}
    checks = Checks()
    if name is not None:
        user.name = checks.text("name", name, max_chars=200, label="Name")
    if email is not None:
        user.email = check_email(checks, email)
    if role is not None:
        user.role = role
    if password is not None and (problem := password_problem(password)):
        checks.fail("password", problem)
    if language is not None:
        user.language = checks.language("language", language)
    if time_zone is not None:
        user.time_zone = checks.time_zone("timeZone", time_zone)
    if signature is not None:
        user.signature = check_signature(checks, signature)
    departments = None
    if department_ids is not None:
        departments = await _departments(checks, department_ids, user.role)
    checks.raise_if_any()
    if await User.filter(email=user.email).exclude(id=user.id).exists():
        raise Conflict("A user with that email exists.", field="email")
    if password is not None:
        user.password_hash = await hash_password_async(password)
    if active is not None:
        user.active = active
    # Revoked: everything when deactivated, or when the password was set (keeping the session
    # of an admin who sets their own).
    revoke = user.active is False or password is not None
    keep = admin.token_id if user.active and user.id == admin.user_id else None
    async with ticket_changes() as ticket_change:
        connection = ticket_change.connection
        if was_active_admin and not policy.is_active_administrator(user):
            field = "active" if user.active is False else "role"
            await _keep_an_active_admin(user.id, connection, field=field)
        await versions.claim(user, what=N_("This user"), connection=connection)
        await user.save(using_db=connection)
        after = {"name": user.name, "email": user.email, "role": user.role, "active": user.active}
        for field, old in before.items():
            await record_account(
                connection, user_id=user.id, actor=admin, field=field, old=old, new=after[field]
            )
        if password is not None:
            await record_account(
                connection, user_id=user.id, actor=admin, field="password", new="set by an admin"
            )
        # Name, email, role, departments, active: what this user's tokens resolve to changed;
        # every process's cached actors go stale as this commits.
        actor_generation.bump_after_commit(connection)
        member = policy.belongs_to_departments(user.role)
        if departments is not None or not member:
            await user.departments.clear(using_db=connection)
            if departments and member:
                await user.departments.add(*departments, using_db=connection)
        if not policy.works_tickets(user) or user.active is False:
            await unassign_tickets(ticket_change, admin, user)
        elif member and departments is not None:
            await unassign_tickets(ticket_change, admin, user, keep=[d.id for d in departments])
        if revoke:
            await revoke_tokens(user.id, keep=keep, using_db=connection)
        # Open sockets follow: closed when revoked, reconnected when access may have changed.
        if revoke:
            await emit_session_change(
                connection, user_id=user.id, reason="revoked", keep_token_id=keep
            )
        if user.active and (role is not None or department_ids is not None):
            await emit_session_change(connection, user_id=user.id, reason="access")
    return user


async def _keep_an_active_admin(user_id: int, connection: BaseDBAsyncClient, field: str) -> None:
    """Refuse to leave no active administrator. The active admins' rows are locked in id order
    (PostgreSQL; SQLite runs one write transaction at a time), so two admins demoting each other
    at once cannot both succeed."""
    admins = (
        await User.filter(policy.administrators())
        .order_by("id")
        .select_for_update()
        .using_db(connection)
        .values_list("id", flat=True)
    )
    if not any(other != user_id for other in admins):
        raise Conflict(
            "The last active administrator cannot be demoted or deactivated.", field=field
        )


async def _departments(
    checks: Checks, department_ids: Sequence[int], role: Role
) -> list[Department]:
    if not department_ids:
        return []
    if not policy.belongs_to_departments(role):
        checks.fail("departmentIds", "Only staff belong to departments.")
        return []
    found = await Department.filter(id__in=list(department_ids))
    if len(found) != len(set(department_ids)):
        checks.fail("departmentIds", "Choose departments that exist.")
    return found


UserPosition = tuple[str, int]
"""A user's place in the list: name, then id."""


async def list_users(
    *,
    actor: Actor | None,
    role: Role | None = None,
    department_id: int | None = None,
    first: int = 50,
    after: UserPosition | None = None,
) -> tuple[list[User], bool]:
    """The users ``actor`` may see (admins: everyone; staff: the staff of their departments,
    for the assignee picker; nobody else: none), by role and department if asked; by name (then
    id), the page after the user at ``after`` if given. Returns (page, has_next)."""
    query = User.filter(policy.user_scope(actor))
    if role is not None:
        query = query.filter(role=role)
    if department_id is not None:
        query = query.filter(departments__id=department_id)
    if after is not None:
        name, user_id = after
        query = query.filter(Q(name__gt=name) | Q(name=name, id__gt=user_id))
    rows = await query.distinct().order_by("name", "id").limit(first + 1)
    return rows[:first], len(rows) > first


def user_position(key: Sequence[object]) -> UserPosition:
    """The position in a user-list cursor's key; a typed error for a forged one."""
    if len(key) == 2:
        name, user_id = key
        if (
            isinstance(name, str)
            and "\x00" not in name
            and len(name) <= MAX_NAME
            and isinstance(user_id, int)
            and not isinstance(user_id, bool)
            and 1 <= user_id <= MAX_USER_ID
        ):
            return name, user_id
    raise bad_cursor()
