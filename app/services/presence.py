"""Who has a ticket open or is writing a reply (collision detection for staff).

Each ticket has a Redis hash ``helpdesk:presence:<ticket id>``: one field per staff member with
their state and when it lapses. A browser reports its state every ``heartbeat`` seconds; an
entry not refreshed within the TTL lapses by itself (readers drop it), and the hash itself
expires when nobody refreshes it. Every change is announced on ``CHANNEL`` with the ticket id,
so each server process re-reads the hash once and updates its subscribers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from redis.asyncio import Redis

from app.auth import policy
from app.auth.actor import Actor
from app.infra.clock import now
from app.models import Ticket
from app.services import tickets

CHANNEL = "helpdesk:presence"


class PresenceState(str, Enum):
    VIEWING = "VIEWING"
    REPLYING = "REPLYING"


@dataclass(frozen=True, slots=True)
class PresenceEntry:
    user_id: int
    name: str
    state: PresenceState
    since: datetime  # when this state began
    expires_at: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "name": self.name,
                "state": self.state.value,
                "since": self.since.isoformat(),
                "expires_at": self.expires_at.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, user_id: int, raw: bytes | str) -> PresenceEntry:
        data = json.loads(raw)
        return cls(
            user_id=user_id,
            name=data["name"],
            state=PresenceState(data["state"]),
            since=datetime.fromisoformat(data["since"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
        )


def _key(ticket_id: int) -> str:
    return f"helpdesk:presence:{ticket_id}"


def heartbeat_seconds(ttl_seconds: int) -> int:
    """How often a browser should report: three chances before its entry lapses."""
    return max(1, ttl_seconds // 3)


async def ticket_for_staff(*, actor: Actor | None, number: int) -> Ticket:
    """The ticket for staff who may see it. Anyone else gets exactly the NotFound of a missing
    ticket: presence is staff-only, and a refusal must not tell that the ticket exists."""
    return await tickets.find_ticket(policy.presence_scope(actor), number=number)


async def report_presence(
    *, actor: Actor | None, redis: Redis, number: int, state: PresenceState, ttl_seconds: int
) -> tuple[Ticket, PresenceEntry]:
    """Record (or refresh) the actor's presence; subscribers hear of it when it changed."""
    ticket = await ticket_for_staff(actor=actor, number=number)
    assert actor is not None
    stamp = now()
    key = _key(ticket.id)
    previous_raw = await redis.hget(key, str(actor.user_id))  # type: ignore[misc]
    previous = PresenceEntry.from_json(actor.user_id, previous_raw) if previous_raw else None
    ongoing = previous is not None and previous.expires_at > stamp and previous.state is state
    entry = PresenceEntry(
        user_id=actor.user_id,
        name=actor.name,
        state=state,
        since=previous.since if ongoing and previous else stamp,
        expires_at=stamp + timedelta(seconds=ttl_seconds),
    )
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, str(actor.user_id), entry.to_json())
        pipe.expire(key, ttl_seconds * 2)
        await pipe.execute()
    if not ongoing:
        await redis.publish(CHANNEL, str(ticket.id))
    return ticket, entry


async def leave(*, redis: Redis, ticket_id: int, user_id: int) -> None:
    """Remove a presence (the ticket view closed, or its socket went away)."""
    if await redis.hdel(_key(ticket_id), str(user_id)):  # type: ignore[misc]
        await redis.publish(CHANNEL, str(ticket_id))


async def list_presence(*, redis: Redis, ticket_id: int) -> list[PresenceEntry]:
    """Current presences, oldest first; lapsed ones are removed (and announced) on the way."""
    stamp = now()
    entries: list[PresenceEntry] = []
    lapsed: list[tuple[bytes | str, bytes | str]] = []
    for field, raw in (await redis.hgetall(_key(ticket_id))).items():  # type: ignore[misc]
        entry = PresenceEntry.from_json(int(field), raw)
        if entry.expires_at > stamp:
            entries.append(entry)
        else:
            lapsed.append((field, raw))
    if lapsed and await _drop_unchanged(redis, _key(ticket_id), lapsed):
        await redis.publish(CHANNEL, str(ticket_id))
    return sorted(entries, key=lambda e: (e.since, e.user_id))


# Delete fields only if they still hold the lapsed value: a heartbeat may have just renewed one.
_DROP_UNCHANGED = """
local removed = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    removed = removed + redis.call('HDEL', KEYS[1], ARGV[i])
  end
end
return removed
"""


async def _drop_unchanged(
    redis: Redis, key: str, lapsed: list[tuple[bytes | str, bytes | str]]
) -> int:
    args: list[Any] = [part for pair in lapsed for part in pair]
    return int(await redis.eval(_DROP_UNCHANGED, 1, key, *args))  # type: ignore[misc]


def next_lapse(entries: list[PresenceEntry] | tuple[PresenceEntry, ...]) -> float | None:
    """Seconds until the first entry lapses, or None when there is none."""
    if not entries:
        return None
    return max(0.0, (min(e.expires_at for e in entries) - now()).total_seconds())
