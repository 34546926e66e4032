"""The caller's own profile: what they set for themselves (a staff signature, their language
and time zone)."""

from __future__ import annotations

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound, PermissionDenied
from app.i18n import Msg
from app.infra import actor_generation
from app.models import User
from app.services.validation import Checks

MAX_SIGNATURE_CHARS = 1000
MAX_SIGNATURE_LINES = 20


def check_signature(checks: Checks, value: str, field: str = "signature") -> str:
    """A signature: Markdown, at most 1,000 characters and 20 lines; empty removes it."""
    text = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").strip().split("\n"))
    if len(text) > MAX_SIGNATURE_CHARS:
        checks.fail(
            field, Msg("A signature must be at most {n} characters.", n=MAX_SIGNATURE_CHARS)
        )
    elif text.count("\n") >= MAX_SIGNATURE_LINES:
        checks.fail(field, Msg("A signature must be at most {n} lines.", n=MAX_SIGNATURE_LINES))
    return text


async def update_profile(
    *,
    actor: Actor | None,
    signature: str | None = None,
    language: str | None = None,
    time_zone: str | None = None,
) -> User:
    """Change what the caller sets for themselves; leaving a field out keeps it. Only staff
    (and admins) have a signature: it is added to their public replies. A language is a
    shipped code (en, de); a time zone an IANA name, empty returning to the default. A bad
    value changes nothing."""
    actor = policy.require_user(actor)
    user = await User.get_or_none(id=actor.user_id)
    if user is None:
        raise NotFound("User was not found.")
    checks = Checks()
    fields: list[str] = []
    if signature is not None:
        if not policy.signs_replies(actor):
            raise PermissionDenied("Only staff sign their replies.", field="signature")
        user.signature = check_signature(checks, signature)
        fields.append("signature")
    if language is not None:
        user.language = checks.language("language", language)
        fields.append("language")
    if time_zone is not None:
        user.time_zone = checks.time_zone("timeZone", time_zone)
        fields.append("time_zone")
    checks.raise_if_any()
    if fields:
        await user.save(update_fields=fields)
    if "language" in fields:
        # The actor carries the language its messages are said in: cached actors go stale.
        await actor_generation.bump()
    return user
