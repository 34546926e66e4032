"""Accounts: the last active administrator stays, a password set by an admin revokes the user's
sessions and tokens, and everyone changes their own password (revoking their other sessions).
The sockets of revoked sessions are tested in tests/live/test_live_access.py."""

from __future__ import annotations

from typing import Any

from app.auth.passwords import hash_password
from app.infra.clock import now
from app.models import AuthToken, Role, TokenKind, User

UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  __typename ... on User { id role } ... on Error { code field message } } }"""
CHANGE = """mutation($c: String!, $n: String!) { changePassword(current: $c, new: $n) {
  __typename ... on PasswordChanged { revokedSessions user { email } }
  ... on Error { code field message } } }"""
LOGIN = """mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Session { token } ... on Error { code } } }"""
ME = "{ me { email } }"
NEW_TOKEN = 'mutation { createApiToken(name: "ci") { ... on NewApiToken { token } } }'


async def signed_in(gql, token: str) -> bool:
    return (await gql.data(ME, token=token))["me"] is not None


async def login(gql, email: str, password: str = "password123") -> dict[str, Any]:
    return dict((await gql.data(LOGIN, {"e": email, "p": password}))["login"])


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(gql, world):
    admin = str(world.admin.id)
    for change, field in (({"role": "STAFF"}, "role"), ({"active": False}, "active")):
        data = await gql.data(
            UPDATE_USER, {"input": {"id": admin, **change}}, token=world.admin.token
        )
        result = data["updateUser"]
        assert (result["__typename"], result["code"], result["field"]) == (
            "Conflict",
            "CONFLICT",
            field,
        ), change
    assert (await User.get(id=world.admin.id)).role is Role.ADMIN
    assert (await User.get(id=world.admin.id)).active
    assert await signed_in(gql, world.admin.token)

    # An inactive admin does not count as another one.
    other = await User.create(
        name="Old Admin",
        email="old@example.com",
        role=Role.ADMIN,
        active=False,
        created_at=now(),
        password_hash=hash_password("password123"),
    )
    data = await gql.data(
        UPDATE_USER, {"input": {"id": admin, "role": "CLIENT"}}, token=world.admin.token
    )
    assert data["updateUser"]["code"] == "CONFLICT"

    # With another active admin, the first may step down; then the other is the last one.
    data = await gql.data(
        UPDATE_USER, {"input": {"id": str(other.id), "active": True}}, token=world.admin.token
    )
    assert data["updateUser"]["__typename"] == "User"
    data = await gql.data(
        UPDATE_USER, {"input": {"id": admin, "role": "STAFF"}}, token=world.admin.token
    )
    assert data["updateUser"]["role"] == "STAFF"
    other_token = (await login(gql, "old@example.com"))["token"]
    data = await gql.data(
        UPDATE_USER, {"input": {"id": str(other.id), "active": False}}, token=other_token
    )
    assert data["updateUser"]["code"] == "CONFLICT"
    # Editing the last admin in other ways is fine.
    data = await gql.data(
        UPDATE_USER, {"input": {"id": str(other.id), "name": "Still Admin"}}, token=other_token
    )
    assert data["updateUser"]["__typename"] == "User"


async def test_an_admin_setting_a_password_revokes_the_users_sessions_and_tokens(gql, world):
    second = (await login(gql, "xavier@example.com"))["token"]
    api = (await gql.data(NEW_TOKEN, token=world.staff_x.token))["createApiToken"]["token"]
    for token in (world.staff_x.token, second, api):
        assert await signed_in(gql, token)
    data = await gql.data(
        UPDATE_USER,
        {"input": {"id": str(world.staff_x.id), "password": "a-brand-new-one"}},
        token=world.admin.token,
    )
    assert data["updateUser"]["__typename"] == "User"
    for token in (world.staff_x.token, second, api):
        assert not await signed_in(gql, token)
    assert not await AuthToken.filter(user_id=world.staff_x.id, revoked_at=None).exists()
    assert (await login(gql, "xavier@example.com"))["code"] == "PERMISSION_DENIED"
    assert (await login(gql, "xavier@example.com", "a-brand-new-one"))["__typename"] == "Session"
    # Nobody else lost anything, and the admin's own session stays.
    assert await signed_in(gql, world.staff_y.token)
    assert await signed_in(gql, world.admin.token)


async def test_an_admin_setting_their_own_password_keeps_the_session_used(gql, world):
    other = (await login(gql, "admin@example.com"))["token"]
    data = await gql.data(
        UPDATE_USER,
        {"input": {"id": str(world.admin.id), "password": "admin-new-password"}},
        token=world.admin.token,
    )
    assert data["updateUser"]["__typename"] == "User"
    assert await signed_in(gql, world.admin.token)
    assert not await signed_in(gql, other)


async def test_change_password_revokes_the_other_sessions_only(gql, world):
    other = (await login(gql, "alice@example.com"))["token"]
    api = (await gql.data(NEW_TOKEN, token=world.client_a.token))["createApiToken"]["token"]
    data = await gql.data(
        CHANGE, {"c": "password123", "n": "correct horse battery"}, token=world.client_a.token
    )
    assert data["changePassword"] == {
        "__typename": "PasswordChanged",
        "revokedSessions": 1,
        "user": {"email": "alice@example.com"},
    }
    assert await signed_in(gql, world.client_a.token)  # the session used
    assert not await signed_in(gql, other)
    assert await signed_in(gql, api)  # API tokens are revoked one by one (revokeApiToken)
    assert (await login(gql, "alice@example.com"))["code"] == "PERMISSION_DENIED"
    assert (await login(gql, "alice@example.com", "correct horse battery"))["__typename"] == (
        "Session"
    )
    assert await signed_in(gql, world.client_b.token)


async def test_change_password_refusals_change_nothing(gql, world):
    before = (await User.get(id=world.staff_x.id)).password_hash
    other = (await login(gql, "xavier@example.com"))["token"]
    cases = [
        ({"c": "wrong-password", "n": "long-enough-pw"}, "VALIDATION_ERROR", "current"),
        ({"c": "password123", "n": "short"}, "VALIDATION_ERROR", "new"),
        ({"c": "password123", "n": "x" * 1025}, "VALIDATION_ERROR", "new"),
        ({"c": "password123", "n": "password123"}, "VALIDATION_ERROR", "new"),
    ]
    for variables, code, field in cases:
        result = (await gql.data(CHANGE, variables, token=world.staff_x.token))["changePassword"]
        assert (result["code"], result["field"]) == (code, field), variables
    gql.http.cookies.clear()  # login() above set the session cookie
    anonymous = (await gql.data(CHANGE, {"c": "password123", "n": "long-enough-pw"}))[
        "changePassword"
    ]
    assert anonymous["code"] == "NOT_AUTHENTICATED"
    assert (await User.get(id=world.staff_x.id)).password_hash == before
    assert await signed_in(gql, other)


async def test_wrong_current_passwords_are_limited_like_failed_sign_ins(gql, world, settings):
    for _ in range(settings.login_attempts):
        result = await gql.data(
            CHANGE, {"c": "guess", "n": "long-enough-pw"}, token=world.client_b.token
        )
        assert result["changePassword"]["field"] == "current"
    # The session holder cannot go on guessing, not even with the right password...
    limited = await gql.data(
        CHANGE, {"c": "password123", "n": "long-enough-pw"}, token=world.client_b.token
    )
    assert limited["changePassword"]["code"] == "RATE_LIMITED"
    # ...nor through login from the same address: it is one budget.
    assert (await login(gql, "bob@example.com"))["code"] == "RATE_LIMITED"
    assert (await AuthToken.filter(user_id=world.client_b.id, kind=TokenKind.SESSION).count()) == 1
