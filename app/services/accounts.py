"""Signing in and out, changing one's password, sessions and personal API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis
from tortoise.transactions import in_transaction

from app.auth import policy
from app.auth.actor import Actor
from app.auth.passwords import check_password, hash_password_async, password_problem
from app.auth.tokens import issue_token, revoke_tokens
from app.config import Settings
from app.errors import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from app.events import emit_session_change
from app.i18n import Msg
from app.infra import actor_generation, db, metrics
from app.infra.clock import now
from app.models import AuthToken, TokenKind, User
from app.services.directory import normalise_email
from app.services.login_limit import LoginLimiter
from app.services.validation import Checks


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: User


async def login(
    *, redis: Redis, settings: Settings, email: str, password: str, address: str | None = None
) -> SignedIn:
    """Check the password. Failures count per (account, address) and per address, never per
    account alone (see ``login_limit``). Whether or not the account exists, the answer, its
    limits and its work (one argon2 verification) are the same. ``Unavailable`` while Redis
    is away."""
    account = normalise_email(email)
    limiter = LoginLimiter(redis, settings)
    try:
        reservation = await limiter.reserve(account, address)
    except RateLimited:
        metrics.LOGIN_FAILURES.labels("rate_limited").inc()
        raise
    user = await User.get_or_none(email=account, active=True) if account else None
    # One verification either way: against the user's hash, or the dummy one when there is no
    # such user (or they have no password), so timing does not tell them apart.
    if not await check_password(user.password_hash if user else None, password) or user is None:
        metrics.LOGIN_FAILURES.labels("wrong_password").inc()
        raise PermissionDenied("Email or password is wrong.")
    if not user.email_verified:
        # Only someone who knows the password learns this: the sign-up is not confirmed yet.
        metrics.LOGIN_FAILURES.labels("unconfirmed").inc()
        raise PermissionDenied(
            "Confirm your email address first: follow the link we mailed you "
            "(signing up again sends a new one)."
        )
    await limiter.release(reservation)
    token, _ = await issue_token(user, TokenKind.SESSION, ttl=timedelta(days=settings.session_days))
    return SignedIn(token=token, user=user)


@dataclass(frozen=True)
class PasswordChanged:
    user: User
    revoked_sessions: int


async def change_password(
    *,
    actor: Actor | None,
    redis: Redis,
    settings: Settings,
    current: str,
    new: str,
    address: str | None = None,
) -> PasswordChanged:
    """The signed-in user's own password. A wrong ``current`` counts against the sign-in limit
    like a failed login; the session or token used stays valid, every other session of the user
    is revoked (their sockets close with 4401). API tokens stay: they are revoked one by one."""
    actor = policy.require_user(actor)
    problem = password_problem(new)
    if problem is None and new == current:
        problem = "Choose a password different from the current one."
    if problem is not None:
        raise ValidationFailed.single("new", problem)
    user = await User.get_or_none(id=actor.user_id, active=True)
    if user is None:
        raise NotAuthenticated("Sign in first.")
    limiter = LoginLimiter(redis, settings)
    reservation = await limiter.reserve(user.email, address)
    if not await check_password(user.password_hash, current):
        raise ValidationFailed.single("current", "The current password is wrong.")
    await limiter.release(reservation)
    password_hash = await hash_password_async(new)
    async with in_transaction() as connection:
        await User.filter(id=user.id).using_db(connection).update(password_hash=password_hash)
        actor_generation.bump_after_commit(connection)  # the user's row changed
        revoked = await revoke_tokens(
            user.id, kinds=(TokenKind.SESSION,), keep=actor.token_id, using_db=connection
        )
        if revoked:
            await emit_session_change(
                connection, user_id=user.id, reason="revoked", keep_token_id=actor.token_id
            )
    user.password_hash = password_hash
    return PasswordChanged(user=user, revoked_sessions=revoked)


async def logout(*, actor: Actor | None) -> bool:
    """Revoke the session or token this request was made with."""
    if actor is None or actor.token_id is None:
        return False
    async with in_transaction() as connection:
        await (
            AuthToken.filter(id=actor.token_id, revoked_at=None)
            .using_db(connection)
            .update(revoked_at=now())
        )
        await emit_session_change(
            connection, user_id=actor.user_id, reason="revoked", token_id=actor.token_id
        )
    return True


MAX_API_TOKENS = 50
"""Live API tokens one user may hold (the ``apiTokens`` list is not paged)."""


async def create_api_token(*, actor: Actor | None, name: str) -> tuple[str, AuthToken]:
    """A personal API token; the secret is returned once, only its hash is kept. At most
    ``MAX_API_TOKENS`` live ones per user, so the list of them stays one short list."""
    actor = policy.require_user(actor)
    checks = Checks()
    name = checks.text("name", name, max_chars=100, label="Name")
    checks.raise_if_any()
    user = await User.get(id=actor.user_id)
    # The count and the insert in one transaction that the user's other creates wait for.
    async with in_transaction() as connection:
        await db.serialize(connection, f"cap:api_tokens:{user.id}", table="auth_tokens")
        live = AuthToken.filter(user_id=actor.user_id, kind=TokenKind.API, revoked_at=None)
        if await live.using_db(connection).count() >= MAX_API_TOKENS:
            checks.fail(
                "name",
                Msg(
                    "You have {n} API tokens, the most one may have; revoke one first.",
                    n=MAX_API_TOKENS,
                ),
            )
            checks.raise_if_any()
        return await issue_token(user, TokenKind.API, name=name)  # in this transaction


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
    async with in_transaction() as connection:
        await token.save(using_db=connection)
        await emit_session_change(
            connection, user_id=actor.user_id, reason="revoked", token_id=token.id
        )
    return token
