"""Who a request is: the bearer token or the session cookie it presents, turned into an Actor.

The actor a token resolved to is kept in this process, keyed by the token's hash, for as long as
the generation in Redis (``app.infra.actor_generation``) stays what it was when the actor was
read: every write that changes what a token resolves to replaces it right after its commit, so
another process's next request reads the database again. When Redis does not answer, nothing is
served from memory. An entry also lapses after ``MAX_AGE`` seconds (a bound for a change made
outside the services, by hand in the database) and when its token expires.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import HTTPConnection

from app.auth.actor import Actor, actor_for
from app.auth.tokens import hash_token, resolve_token
from app.infra import actor_generation
from app.infra.clock import now

SESSION_COOKIE = "helpdesk_session"
MAX_AGE = 60.0
"""Seconds a cached actor may be served at most, whatever the generation says."""
MAX_ENTRIES = 10_000
"""Tokens kept per process; past this the oldest entries go first."""


def bearer_from_header(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@dataclass(frozen=True, slots=True)
class _Cached:
    generation: bytes
    actor: Actor
    expires_at: datetime | None
    stored: float


_actors: dict[str, _Cached] = {}


def forget_cached_actors() -> None:
    """Empty this process's actor cache (the app's start and stop; tests)."""
    _actors.clear()


async def actor_from_secret(secret: str | None) -> Actor | None:
    return (await actor_and_generation(secret))[0]


async def actor_and_generation(secret: str | None) -> tuple[Actor | None, bytes | None]:
    """The actor ``secret`` resolves to, and the actor generation read for it (None when Redis
    did not answer, or none was read): what a request's directory reads may be kept under
    (``app.services.directory_cache``)."""
    if not secret or len(secret) > 200 or not secret.isascii():
        return None, None
    # The generation is read before the database: a change that commits in between leaves the
    # entry under the old generation, which the next request finds replaced.
    generation = await actor_generation.current()
    key = hash_token(secret)
    if generation is not None:
        cached = _actors.get(key)
        if (
            cached is not None
            and cached.generation == generation
            and time.monotonic() - cached.stored < MAX_AGE
            and (cached.expires_at is None or cached.expires_at > now())
        ):
            return cached.actor, generation
    record = await resolve_token(secret)
    if record is None:
        _actors.pop(key, None)
        return None, generation
    actor = await actor_for(record.user, token_id=record.id)
    if generation is not None:
        _actors.pop(key, None)
        while len(_actors) >= MAX_ENTRIES:
            del _actors[next(iter(_actors))]
        _actors[key] = _Cached(generation, actor, record.expires_at, time.monotonic())
    return actor, generation


def presented_secret(connection: HTTPConnection) -> str | None:
    """The bearer token, else the session cookie."""
    return bearer_from_header(connection.headers.get("authorization")) or connection.cookies.get(
        SESSION_COOKIE
    )
