"""Sign-in, sessions, API tokens and the login rate limit."""

from __future__ import annotations

import hashlib

from app.models import AuthToken

LOGIN = """
mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Session { token user { name role } } ... on Error { code message } } }
"""
ME = "{ me { name email role } }"


async def test_login_sets_an_httponly_cookie_and_returns_a_token(gql, world):
    response = await gql.http.post(
        f"{gql.base}/graphql",
        json={"query": LOGIN, "variables": {"e": "ALICE@example.com", "p": "password123"}},
    )
    result = response.json()["data"]["login"]
    assert result["__typename"] == "Session"
    cookie = response.headers["set-cookie"]
    assert "helpdesk_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    # The cookie alone authenticates (the web UI), and so does the bearer token.
    by_cookie = await gql.http.post(f"{gql.base}/graphql", json={"query": ME})
    assert by_cookie.json()["data"]["me"]["name"] == "Alice Client"
    by_token = await gql.data(ME, token=result["token"])
    assert by_token["me"]["email"] == "alice@example.com"


async def test_wrong_password_and_unknown_account_look_the_same(gql, world):
    wrong = await gql.data(LOGIN, {"e": "alice@example.com", "p": "nope-nope"})
    unknown = await gql.data(LOGIN, {"e": "nobody@example.com", "p": "nope-nope"})
    assert wrong == unknown
    assert wrong["login"]["code"] == "PERMISSION_DENIED"


async def test_failed_logins_are_rate_limited_per_account_and_address(gql, world):
    for _ in range(5):
        failed = await gql.data(LOGIN, {"e": "alice@example.com", "p": "wrong-password"})
        assert failed["login"]["code"] == "PERMISSION_DENIED"
    limited = await gql.data(LOGIN, {"e": "alice@example.com", "p": "password123"})
    assert limited["login"]["code"] == "RATE_LIMITED"
    # Another account from the same address is not locked by this one's failures yet.
    other = await gql.data(LOGIN, {"e": "bob@example.com", "p": "password123"})
    assert other["login"]["__typename"] == "Session"
    # Unknown accounts are limited the same way (no hint that they do not exist).
    for _ in range(5):
        await gql.data(LOGIN, {"e": "ghost@example.com", "p": "x"})
    ghost = await gql.data(LOGIN, {"e": "ghost@example.com", "p": "x"})
    assert ghost["login"]["code"] == "RATE_LIMITED"


async def test_logout_revokes_the_token(gql, world):
    assert (await gql.data(ME, token=world.client_a.token))["me"] is not None
    assert (await gql.data("mutation { logout }", token=world.client_a.token))["logout"] is True
    assert (await gql.data(ME, token=world.client_a.token))["me"] is None


async def test_personal_api_tokens(gql, world):
    created = await gql.data(
        'mutation { createApiToken(name: "CI") { __typename ... on NewApiToken { token apiToken { id name } } } }',
        token=world.staff_x.token,
    )
    secret = created["createApiToken"]["token"]
    token_id = created["createApiToken"]["apiToken"]["id"]
    # Stored hashed, never in plain text.
    row = await AuthToken.get(id=int(token_id))
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.token_hash
    assert (await gql.data(ME, token=secret))["me"]["name"] == "Xavier Staff"
    listed = await gql.data("{ apiTokens { id name } }", token=world.staff_x.token)
    assert listed["apiTokens"] == [{"id": token_id, "name": "CI"}]
    # Someone else cannot revoke it.
    other = await gql.data(
        "mutation($id: ID!) { revokeApiToken(id: $id) { __typename ... on Error { code } } }",
        {"id": token_id},
        token=world.staff_y.token,
    )
    assert other["revokeApiToken"]["code"] == "NOT_FOUND"
    revoked = await gql.data(
        "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }",
        {"id": token_id},
        token=world.staff_x.token,
    )
    assert revoked["revokeApiToken"]["__typename"] == "ApiToken"
    assert (await gql.data(ME, token=secret))["me"] is None


async def test_deactivated_user_loses_every_session(gql, world):
    update = """mutation($id: ID!) { updateUser(input: {id: $id, active: false}) {
        __typename ... on Error { code } } }"""
    denied = await gql.data(update, {"id": str(world.client_a.id)}, token=world.staff_x.token)
    assert denied["updateUser"]["code"] == "PERMISSION_DENIED"
    done = await gql.data(update, {"id": str(world.client_a.id)}, token=world.admin.token)
    assert done["updateUser"]["__typename"] == "User"
    assert (await gql.data(ME, token=world.client_a.token))["me"] is None
    again = await gql.data(LOGIN, {"e": "alice@example.com", "p": "password123"})
    assert again["login"]["code"] == "PERMISSION_DENIED"
