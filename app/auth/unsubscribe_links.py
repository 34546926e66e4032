"""Signed unsubscribe links, mailed to CC'd contacts and to followers.

A token is ``unsub.<ticket id>.<who>.<expiry>.<mac>``, ``<who>`` being ``c<contact id>`` (a
contact CC'd on the ticket) or ``u<user id>`` (a staff follower), signed like the account
links (``app.auth.links.sign``) over the ticket, who and the expiry, ``LIFETIME`` after the
mail. It does one thing only: take that address off that ticket (the CC, or the follow).
Nothing is stored per link; using it twice changes nothing the second time.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.auth.links import sign
from app.config import Settings
from app.infra.clock import now

LIFETIME = timedelta(days=90)

_TOKEN = re.compile(r"^unsub\.(\d{1,10})\.([cu])(\d{1,10})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class UnsubscribeClaim:
    ticket_id: int
    contact_id: int | None
    user_id: int | None
    expires_at: datetime


def _mac(settings: Settings, ticket_id: int, who: str, expires: int) -> str:
    return sign(settings, f"unsubscribe-link:{ticket_id}:{who}:{expires}")


def make_token(
    *,
    ticket_id: int,
    settings: Settings,
    contact_id: int | None = None,
    user_id: int | None = None,
    issued_at: datetime | None = None,
) -> str:
    """A token taking a contact (``contact_id``) or a follower (``user_id``) off a ticket."""
    if (contact_id is None) == (user_id is None):
        raise ValueError("an unsubscribe token names a contact or a user")
    who = f"c{contact_id}" if contact_id is not None else f"u{user_id}"
    expires = int(((issued_at or now()) + LIFETIME).timestamp())
    return f"unsub.{ticket_id}.{who}.{expires}.{_mac(settings, ticket_id, who, expires)}"


def check_token(token: str, *, settings: Settings) -> UnsubscribeClaim | None:
    """What a well-formed, correctly signed and unexpired token names (by the movable clock);
    None for anything else."""
    text = (token or "").strip()
    match = _TOKEN.match(text) if len(text) < 200 else None
    if match is None:
        return None
    ticket_id, kind, who_id, expires = (
        int(match.group(1)),
        match.group(2),
        int(match.group(3)),
        int(match.group(4)),
    )
    expected = _mac(settings, ticket_id, f"{kind}{who_id}", expires)
    if not hmac.compare_digest(match.group(5), expected):
        return None
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= now():
        return None
    return UnsubscribeClaim(
        ticket_id=ticket_id,
        contact_id=who_id if kind == "c" else None,
        user_id=who_id if kind == "u" else None,
        expires_at=expires_at,
    )


def link(settings: Settings, token: str) -> str:
    """The page (GET: asks to confirm; POST: unsubscribes, also RFC 8058 one-click)."""
    return f"{settings.public_url.rstrip('/')}/unsubscribe/{token}"
