"""Accounts reached by mail: password reset, client sign-up with email verification, and
invitations for clients created by staff.

No answer here says whether an address has an account. ``request_password_reset`` does the
same work for every address (it counts the request and writes one outbox row); the job decides
later, out of the request, whether anyone is mailed. ``sign_up`` answers the same for a new
and an existing address (and hashes the password either way); the owner of an existing one
gets a mail saying so instead. Links are signed and stateless (``app.auth.links``), so a link
works once: using it changes what it was signed over.
"""

from __future__ import annotations

from redis.asyncio import Redis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.auth.links import LinkPurpose, read_token, token_valid
from app.auth.passwords import hash_password_async, password_problem
from app.auth.tokens import revoke_tokens
from app.config import Settings
from app.errors import PermissionDenied, ValidationFailed
from app.events import AccountMail, emit_account_mail, emit_session_change
from app.events.signals import AccountMailKind
from app.i18n import N_, from_accept_language
from app.infra import actor_generation
from app.infra.clock import now
from app.models import Role, User
from app.services.audit import record_account
from app.services.directory import check_email, normalise_email
from app.services.login_limit import LoginLimiter
from app.services.validation import Checks

BAD_LINK = N_(
    "This link is not valid any more: it was used, it expired, or the account changed. "
    "Ask for a new one."
)


async def request_password_reset(
    *, redis: Redis, settings: Settings, email: str, address: str | None = None
) -> None:
    """Mail a reset link to whoever holds ``email`` (nobody, if nobody does). Each request
    counts against the limit per (address, client) and per client; the answer and the work
    are the same whether the account exists or not."""
    account = normalise_email(email)
    checks = Checks()
    if not account or "@" not in account or len(account) > 254:
        checks.fail("email", "Enter a valid email address.")
    checks.raise_if_any()
    await LoginLimiter(redis, settings, kind="reset").reserve(account, address)
    async with in_transaction() as connection:
        await emit_account_mail(
            connection,
            AccountMail(kind="reset", email=account, requested_at=now().isoformat()),
        )


async def set_password_with_link(*, settings: Settings, token: str, password: str) -> User:
    """A reset or invitation link sets a new password: the link and every other link issued
    before stop working, and every session and API token of the user is revoked. Following it
    proves the address, so it counts as verified too."""
    problem = password_problem(password)
    if problem is not None:
        raise ValidationFailed.single("password", problem)
    claim = read_token(token)
    if claim is None or claim.purpose not in (LinkPurpose.RESET, LinkPurpose.INVITE):
        raise ValidationFailed.single("token", BAD_LINK)
    user = await User.get_or_none(id=claim.user_id, active=True)
    if user is None or not token_valid(token, user, settings=settings):
        raise ValidationFailed.single("token", BAD_LINK)
    password_hash = await hash_password_async(password)
    async with in_transaction() as connection:
        # Only if the account is still as the link was signed over: of two uses at once, one.
        changed = (
            await User.filter(id=user.id, password_hash=user.password_hash, email=user.email)
            .using_db(connection)
            .update(password_hash=password_hash, email_verified=True)
        )
        if changed != 1:
            raise ValidationFailed.single("token", BAD_LINK)
        await revoke_tokens(user.id, using_db=connection)
        await emit_session_change(connection, user_id=user.id, reason="revoked")
        how = "reset by mailed link" if claim.purpose is LinkPurpose.RESET else "set by invitation"
        await record_account(connection, user_id=user.id, actor=None, field="password", new=how)
    user.password_hash, user.email_verified = password_hash, True
    return user


async def sign_up(
    *,
    redis: Redis,
    settings: Settings,
    name: str,
    email: str,
    password: str,
    address: str | None = None,
    accept_language: str | None = None,
) -> None:
    """A new client account (in the browser's language, from ``accept_language``), which
    cannot sign in until its address is confirmed by the mailed link. The same answer for an
    address that has an account (its owner is mailed instead); a second sign-up before the
    first was confirmed replaces it (name, password) and mails a new link, the old one no
    longer works."""
    if not settings.client_signup:
        raise PermissionDenied("Signing up is closed here; ask our team for an account.")
    checks = Checks()
    name = checks.text("name", name, max_chars=200, label="Name")
    account = check_email(checks, email)
    if problem := password_problem(password):
        checks.fail("password", problem)
    checks.raise_if_any()
    await LoginLimiter(redis, settings, kind="signup").reserve(account, address)
    password_hash = await hash_password_async(password)  # either way: the same work
    requested = now().isoformat()
    try:
        async with in_transaction() as connection:
            user = await User.filter(email=account).using_db(connection).first()
            kind: AccountMailKind
            if user is None:
                user = await User.create(
                    name=name,
                    email=account,
                    role=Role.CLIENT,
                    password_hash=password_hash,
                    email_verified=False,
                    language=from_accept_language(accept_language, settings.default_language),
                    created_at=now(),
                    using_db=connection,
                )
                kind = "verify"
            elif not user.email_verified and user.active:
                await (
                    User.filter(id=user.id)
                    .using_db(connection)
                    .update(name=name, password_hash=password_hash)
                )
                actor_generation.bump_after_commit(connection)  # the user's row changed
                kind = "verify"
            elif user.active:
                kind = "signup_exists"
            else:
                return  # deactivated: nobody to tell
            await emit_account_mail(
                connection,
                AccountMail(kind=kind, email=account, user=user.id, requested_at=requested),
            )
    except IntegrityError:
        return  # signed up at the same moment by another request: that one mails the link


async def verify_email(*, settings: Settings, token: str) -> User:
    """The link mailed at sign-up: the account may sign in from now on."""
    claim = read_token(token)
    if claim is None or claim.purpose is not LinkPurpose.VERIFY:
        raise ValidationFailed.single("token", BAD_LINK)
    user = await User.get_or_none(id=claim.user_id, active=True)
    if user is None or not token_valid(token, user, settings=settings):
        raise ValidationFailed.single("token", BAD_LINK)
    async with in_transaction() as connection:
        changed = (
            await User.filter(id=user.id, email_verified=False, email=user.email)
            .using_db(connection)
            .update(email_verified=True)
        )
        if changed != 1:
            raise ValidationFailed.single("token", BAD_LINK)
        await record_account(
            connection, user_id=user.id, actor=None, field="emailVerified", new="true"
        )
        actor_generation.bump_after_commit(connection)  # the user's row changed
    user.email_verified = True
    return user
