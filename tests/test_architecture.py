"""Where rules live: the access policy (app/auth) is the only code that looks at roles.

Everything else asks ``app.auth.policy`` (``works_tickets``, ``ticket_scope``,
``can_view_message``, ...), so a rule about who may do what is written once. Creating a user
with a role is not a rule and is allowed; reading an actor's role flags, comparing a role, or
filtering rows by a role is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
ALLOWED = (APP / "auth", APP / "models")  # the policy, and where Role is defined
ROLE_FLAGS = {"is_admin", "is_staff", "is_client"}
CREATING = {"create", "get_or_create", "update_or_create", "create_user"}


def _is_role_member(node: ast.AST) -> bool:
    """``Role.ADMIN`` and the like."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Role"
    )


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def role_checks(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for every place ``source`` looks at a role."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ROLE_FLAGS:
            yield node.lineno, f"reads .{node.attr}"
        elif isinstance(node, ast.Compare):
            inner = list(ast.walk(node))
            if any(_is_role_member(n) for n in inner) or any(
                isinstance(n, ast.Attribute) and n.attr == "role" for n in inner
            ):
                yield node.lineno, "compares a role"
        elif isinstance(node, ast.Call) and _called_name(node) not in CREATING:
            for keyword in node.keywords:
                field = (keyword.arg or "").split("__")[0]
                if field == "role" and any(_is_role_member(n) for n in ast.walk(keyword.value)):
                    yield node.lineno, "selects rows by a role"


def test_the_checker_sees_role_checks() -> None:
    found = {
        what
        for _, what in role_checks(
            "if actor.is_staff: pass\n"
            "ok = user.role is Role.CLIENT\n"
            "ok = actor.role in (Role.STAFF, Role.ADMIN)\n"
            "rows = User.filter(role=Role.STAFF, active=True)\n"
            "rows = User.filter(role__in=[Role.STAFF])\n"
        )
    }
    assert found == {"reads .is_staff", "compares a role", "selects rows by a role"}
    assert not list(role_checks("user = User.create(name='A', role=Role.ADMIN)\n"))


def test_only_the_policy_looks_at_roles() -> None:
    offences = [
        f"{path.relative_to(APP.parent)}:{line}: {what}"
        for path in sorted(APP.rglob("*.py"))
        if not any(path.is_relative_to(allowed) for allowed in ALLOWED)
        for line, what in role_checks(path.read_text())
    ]
    assert offences == [], "ask app.auth.policy instead:\n" + "\n".join(offences)
