"""The failed sign-in limit, in Redis: per (account, address) and per address.

Failures are counted per account *from one address* and per address across all accounts, never
per account alone: five wrong passwords typed by someone else must not lock the owner out of
the account from their own address. An attempt first *reserves* one failure on each counter,
atomically with the check (a Lua script, so concurrent guesses cannot overshoot the limit and it
runs the same on Redis 6.2, the embedded default, and 7); a right password gives the reservation
back and clears the (account, address) counter.

IPv6 addresses are counted per /64 (one host usually holds a whole /64); IPv4 per address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass

from redis.asyncio import Redis

from app.config import Settings
from app.errors import RateLimited, Unavailable
from app.infra.redis import REDIS_AWAY

log = logging.getLogger(__name__)

ADDRESS_FACTOR = 4
"""Failures allowed per address across all accounts, as a multiple of LOGIN_ATTEMPTS."""

# KEYS: the counters. ARGV[1]: window in seconds; ARGV[1 + i]: the limit of KEYS[i].
# Returns 0 when a counter is at its limit (nothing changes), else 1 after adding one to each.
# A counter's window starts with its first failure (the TTL is set only when it has none).
_RESERVE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[1])
  end
end
return 1
"""

# KEYS[1]: the (account, address) counter, cleared. KEYS[2], if any: the address counter, whose
# reserved failure is given back.
_RELEASE = """
redis.call('DEL', KEYS[1])
if KEYS[2] and redis.call('DECR', KEYS[2]) <= 0 then
  redis.call('DEL', KEYS[2])
end
return 1
"""


def address_bucket(address: str | None) -> str | None:
    """What one client is counted as: its IPv4 address, or its IPv6 /64."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True)
class Reservation:
    keys: list[str]


class LoginLimiter:
    """``kind``: what is counted, in keys of its own: ``login`` (failed sign-ins), ``reset``
    (password-reset requests), ``signup`` (sign-ups); the same limits and window for each."""

    def __init__(self, redis: Redis, settings: Settings, *, kind: str = "login") -> None:
        self.redis = redis
        self.kind = kind
        self.window = settings.login_window_seconds
        self.limits = [settings.login_attempts, settings.login_attempts * ADDRESS_FACTOR]

    def keys(self, email: str, address: str | None) -> list[str]:
        bucket = address_bucket(address)
        pair = hashlib.sha256(f"{email}\0{bucket or ''}".encode()).hexdigest()[:32]
        keys = [f"helpdesk:{self.kind}:pair:{pair}"]
        if bucket:
            keys.append(f"helpdesk:{self.kind}:addr:{bucket}")
        return keys

    async def reserve(self, email: str, address: str | None) -> Reservation:
        """Count this attempt as a failure unless a limit is reached (``RateLimited``).
        ``Unavailable`` when Redis is away: without the limit, guessing would be unbounded."""
        keys = self.keys(email, address)
        try:
            limits = [str(limit) for limit in self.limits[: len(keys)]]
            allowed = await self.redis.eval(  # type: ignore[misc]
                _RESERVE, len(keys), *keys, str(self.window), *limits
            )
        except REDIS_AWAY as exc:
            log.warning("sign-in refused: Redis is unavailable (%s)", exc)
            raise Unavailable("Signing in is unavailable for a moment. Try again shortly.") from exc
        if not allowed:
            if self.kind == "login":
                raise RateLimited("Too many failed sign-ins. Try again later.")
            raise RateLimited("Too many requests from here. Try again later.")
        return Reservation(keys)

    async def release(self, reservation: Reservation) -> None:
        """The password was right: the attempt was no failure."""
        try:
            await self.redis.eval(  # type: ignore[misc]
                _RELEASE, len(reservation.keys), *reservation.keys
            )
        except REDIS_AWAY as exc:
            # The sign-in itself succeeded; the reserved failure lapses with its window.
            log.warning("could not release a sign-in reservation: %s", exc)
