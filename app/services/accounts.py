"""Signing in and out, sessions, personal API tokens, and the login rate limit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from app.auth import policy
from app.auth.actor import Actor
from app.auth.passwords import verify_password
from app.auth.tokens import issue_token
from app.config import Settings
from app.errors import NotFound, PermissionDenied, RateLimited
from app.events import emit_session_change
from app.infra.clock import now
from app.models import AuthToken, TokenKind, User
from app.services.directory import normalise_email
from app.services.validation import Checks


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: User


def _limit_keys(email: str, address: str | None) -> list[str]:
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    keys = [f"helpdesk:login:acct:{digest}"]
    if address:
        keys.append(f"helpdesk:login:addr:{address}")
    return keys


async def login(
    *, redis: Redis, settings: Settings, email: str, password: str, address: str | None = None
) -> SignedIn:
    """Check the password; failures count per account and per address in Redis. The error
    is the same whether or not the account exists."""
    address_limit = settings.login_attempts * 4
    keys = _limit_keys(normalise_email(email), address)
    counts = [int(v or 0) for v in await redis.mget(keys)]
    limits = [settings.login_attempts, address_limit][: len(keys)]
    if any(count >= limit for count, limit in zip(counts, limits, strict=True)):
        raise RateLimited("Too many failed sign-ins. Try again later.")
    user = await User.get_or_none(email=normalise_email(email), active=True)
    if user is None or not verify_password(user.password_hash, password):
        pipe = redis.pipeline()
        for key in keys:
            pipe.incr(key)
            pipe.expire(key, settings.login_window_seconds, nx=True)
        await pipe.execute()
        raise PermissionDenied("Email or password is wrong.")
    await redis.delete(keys[0])
    token, _ = await issue_token(user, TokenKind.SESSION, ttl=timedelta(days=settings.session_days))
    return SignedIn(token=token, user=user)


async def logout(*, actor: Actor | None) -> bool:
    """Revoke the session or token this request was made with."""
    if actor is None or actor.token_id is None:
        return False
    await AuthToken.filter(id=actor.token_id, revoked_at=None).update(revoked_at=now())
    await emit_session_change(user_id=actor.user_id, reason="revoked", token_id=actor.token_id)
    return True


async def create_api_token(*, actor: Actor | None, name: str) -> tuple[str, AuthToken]:
    """A personal API token; the secret is returned once, only its hash is kept."""
    actor = policy.require_user(actor)
    checks = Checks()
    name = checks.text("name", name, max_chars=100, label="Name")
    checks.raise_if_any()
    user = await User.get(id=actor.user_id)
    return await issue_token(user, TokenKind.API, name=name)


async def list_api_tokens(*, actor: Actor | None) -> list[AuthToken]:
    """The caller's own live API tokens, newest first (none when signed out)."""
    if actor is None:
        return []
    return await AuthToken.filter(
        user_id=actor.user_id, kind=TokenKind.API, revoked_at=None
    ).order_by("-id")


async def revoke_api_token(*, actor: Actor | None, token_id: int) -> AuthToken:
    actor = policy.require_user(actor)
    token = await AuthToken.get_or_none(
        id=token_id, user_id=actor.user_id, kind=TokenKind.API, revoked_at=None
    )
    if token is None:
        raise NotFound("Token was not found.", field="id")
    token.revoked_at = now()
    await token.save()
    await emit_session_change(user_id=actor.user_id, reason="revoked", token_id=token.id)
    return token
