"""The actor a token resolves to is kept in the process only while Redis vouches for it: a
change through the services is seen at once, a Redis that does not answer means the database is
asked every time (nothing stale is served), and an expired token lapses on the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from app.auth.credentials import actor_from_secret, forget_cached_actors
from app.auth.tokens import hash_token
from app.infra import actor_generation
from app.infra.clock import now
from app.models import AuthToken, TokenKind, User
from app.services import accounts


@pytest.fixture
async def cache_on(redis: Redis) -> AsyncIterator[Redis]:
    """The actor cache of this process on the suite's Redis, empty, restored afterwards."""
    saved = actor_generation.configured()
    actor_generation.configure(redis)
    forget_cached_actors()
    yield redis
    actor_generation.configure(saved)
    forget_cached_actors()


async def test_a_kept_actor_is_served_until_a_change_through_the_services(cache_on, world):
    token = world.staff_x.token
    assert (await actor_from_secret(token)).user_id == world.staff_x.id
    # Changed behind the services' back (no bump): the kept actor still answers ...
    await AuthToken.filter(user_id=world.staff_x.id).update(revoked_at=now())
    assert (await actor_from_secret(token)).user_id == world.staff_x.id
    # ... until anything bumps the generation: a token of someone else revoked, say.
    other = await actor_from_secret(world.client_b.token)
    assert other is not None and other.user_id == world.client_b.id
    assert await accounts.logout(actor=other) is True
    assert await actor_from_secret(token) is None
    assert await actor_from_secret(world.client_b.token) is None
    assert (await actor_from_secret(world.staff_y.token)).user_id == world.staff_y.id


async def test_without_an_answer_from_redis_every_request_asks_the_database(cache_on, world):
    token = world.staff_x.token
    assert (await actor_from_secret(token)).user_id == world.staff_x.id
    unreachable = Redis(unix_socket_path="/nonexistent/redis.sock", socket_connect_timeout=0.2)
    actor_generation.configure(unreachable)
    try:
        assert (await actor_from_secret(token)).user_id == world.staff_x.id
        await User.filter(id=world.staff_x.id).update(active=False)  # no bump could reach Redis
        assert await actor_from_secret(token) is None
        await User.filter(id=world.staff_x.id).update(active=True)
        assert (await actor_from_secret(token)).user_id == world.staff_x.id
    finally:
        await unreachable.aclose()


async def test_a_kept_actor_lapses_when_its_token_expires(cache_on, world, frozen_clock):
    secret = "hds_" + "e" * 43
    await AuthToken.create(
        user=world.client_a.user,
        kind=TokenKind.SESSION,
        token_hash=hash_token(secret),
        created_at=now(),
        expires_at=now() + timedelta(minutes=5),
    )
    assert (await actor_from_secret(secret)).user_id == world.client_a.id
    frozen_clock.advance(timedelta(minutes=4))
    assert (await actor_from_secret(secret)).user_id == world.client_a.id
    frozen_clock.advance(timedelta(minutes=2))
    assert await actor_from_secret(secret) is None
