"""Sessions and personal API tokens: random secrets, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from app.infra.clock import now
from app.models import AuthToken, TokenKind, User

TOKEN_PREFIX = {TokenKind.SESSION: "hds_", TokenKind.API: "hdt_"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(
    user: User, kind: TokenKind, *, name: str = "", ttl: timedelta | None = None
) -> tuple[str, AuthToken]:
    """Create a token; the plain secret is returned once and never stored."""
    secret = TOKEN_PREFIX[kind] + secrets.token_urlsafe(32)
    created = now()
    record = await AuthToken.create(
        user=user,
        kind=kind,
        name=name,
        token_hash=hash_token(secret),
        created_at=created,
        expires_at=created + ttl if ttl else None,
    )
    return secret, record


async def resolve_token(secret: str) -> AuthToken | None:
    """The live token record (with its user) for a presented secret, or None. Secrets are
    ASCII; anything else (a lone surrogate cannot even be hashed) is no token of ours."""
    if not secret or len(secret) > 200 or not secret.isascii():
        return None
    record = (
        await AuthToken.filter(token_hash=hash_token(secret), revoked_at=None)
        .select_related("user")
        .first()
    )
    if record is None or not record.user.active:
        return None
    if record.expires_at is not None and record.expires_at <= now():
        return None
    return record


async def revoke_tokens(
    user_id: int,
    *,
    kinds: Sequence[TokenKind] = (TokenKind.SESSION, TokenKind.API),
    keep: int | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> int:
    """Revoke the user's live tokens of ``kinds`` except ``keep``; how many were revoked. The
    caller publishes the session signal after its transaction commits."""
    query = AuthToken.filter(user_id=user_id, kind__in=list(kinds), revoked_at=None)
    if keep is not None:
        query = query.exclude(id=keep)
    return await query.using_db(using_db).update(revoked_at=now())
