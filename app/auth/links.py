"""Signed account links: password reset, invitation and email verification.

A link's token is ``<purpose>.<user id>.<expiry>.<mac>``: the MAC is an HMAC-SHA256 with the
secret key over the purpose, the user, the expiry (Unix seconds) and a *fingerprint* of the
account's current state (password hash, email, verified flag), written as URL-safe base64.
Nothing is stored: the link is valid until it expires or the account changes. That makes each
link single-use: following a reset or invitation link sets a new password (a new salted
hash), so it and every other link issued before no longer validate; a verification link stops
validating once the address is verified, and a link for an address that was changed since
never does. A token for one purpose or user never validates for another. Time is the movable
clock's, so expiry is tested by moving it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from app.config import Settings
from app.infra.clock import now
from app.models import User


class LinkPurpose(str, Enum):
    RESET = "reset"
    INVITE = "invite"
    VERIFY = "verify"


LIFETIME = {
    LinkPurpose.RESET: timedelta(hours=1),
    LinkPurpose.INVITE: timedelta(days=7),
    LinkPurpose.VERIFY: timedelta(days=2),
}

_TOKEN = re.compile(r"^(reset|invite|verify)\.(\d{1,10})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class LinkClaim:
    purpose: LinkPurpose
    user_id: int
    expires_at: datetime


def _fingerprint(user: User) -> str:
    state = "\0".join([user.password_hash or "", user.email, str(user.email_verified)])
    return hashlib.sha256(state.encode()).hexdigest()


def sign(settings: Settings, message: str) -> str:
    """The MAC of every signed link (account links here, rating links in
    ``app.auth.rating_links``): HMAC-SHA256 with the secret key, URL-safe base64, 43 chars."""
    key = settings.resolved_secret_key().encode()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _mac(settings: Settings, purpose: LinkPurpose, user: User, expires: int) -> str:
    message = ":".join(["account-link", purpose.value, str(user.id), str(expires)])
    return sign(settings, message + ":" + _fingerprint(user))


def make_token(
    purpose: LinkPurpose, user: User, *, settings: Settings, issued_at: datetime | None = None
) -> str:
    """A token for ``user``'s account as it is now, valid for the purpose's lifetime from
    ``issued_at`` (default: now)."""
    expires = int(((issued_at or now()) + LIFETIME[purpose]).timestamp())
    return f"{purpose.value}.{user.id}.{expires}.{_mac(settings, purpose, user, expires)}"


def read_token(token: str) -> LinkClaim | None:
    """What a token claims (not yet checked against the account), or None if malformed."""
    match = _TOKEN.match(token.strip()) if token and len(token) < 200 else None
    if match is None:
        return None
    return LinkClaim(
        purpose=LinkPurpose(match.group(1)),
        user_id=int(match.group(2)),
        expires_at=datetime.fromtimestamp(int(match.group(3)), UTC),
    )


def token_valid(token: str, user: User, *, settings: Settings) -> bool:
    """Whether ``token`` was made for ``user``'s account as it is now and has not expired."""
    claim = read_token(token)
    if claim is None or claim.user_id != user.id or claim.expires_at <= now():
        return False
    expected = _mac(settings, claim.purpose, user, int(claim.expires_at.timestamp()))
    return hmac.compare_digest(token.strip().rsplit(".", 1)[1], expected)
