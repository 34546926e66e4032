"""Signed rating links, mailed with the notice that a ticket was closed.

A token is ``rate.<ticket id>.<close entry id>.<expiry>.<mac>``, signed like the account links
(``app.auth.links.sign``) over the ticket, its client, the close it asks about (the audit
entry that closed the ticket) and the expiry, 30 days after the mail. It names no score: the
Good and Bad links carry the same token and the score beside it. Nothing is stored for a link;
it is single-use because the rating service records a link's rating only while the close it
names has no rating yet (``app.services.ratings``).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.auth.links import sign
from app.config import Settings
from app.infra.clock import now

LIFETIME = timedelta(days=30)

_TOKEN = re.compile(r"^rate\.(\d{1,10})\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class RatingClaim:
    ticket_id: int
    close_entry_id: int
    expires_at: datetime


def _mac(settings: Settings, ticket_id: int, client_id: int, close_entry: int, exp: int) -> str:
    return sign(settings, f"rating-link:{ticket_id}:{client_id}:{close_entry}:{exp}")


def make_token(
    *,
    ticket_id: int,
    client_id: int,
    close_entry_id: int,
    settings: Settings,
    issued_at: datetime | None = None,
) -> str:
    expires = int(((issued_at or now()) + LIFETIME).timestamp())
    mac = _mac(settings, ticket_id, client_id, close_entry_id, expires)
    return f"rate.{ticket_id}.{close_entry_id}.{expires}.{mac}"


def read_token(token: str) -> RatingClaim | None:
    """What a token claims (not yet checked), or None if malformed."""
    match = _TOKEN.match(token.strip()) if token and len(token) < 200 else None
    if match is None:
        return None
    return RatingClaim(
        ticket_id=int(match.group(1)),
        close_entry_id=int(match.group(2)),
        expires_at=datetime.fromtimestamp(int(match.group(3)), UTC),
    )


def token_valid(token: str, claim: RatingClaim, *, client_id: int, settings: Settings) -> bool:
    """Whether ``token`` (read as ``claim``) was signed for this ticket's client and has not
    expired (by the movable clock)."""
    if claim.expires_at <= now():
        return False
    expected = _mac(
        settings,
        claim.ticket_id,
        client_id,
        claim.close_entry_id,
        int(claim.expires_at.timestamp()),
    )
    return hmac.compare_digest(token.strip().rsplit(".", 1)[1], expected)
