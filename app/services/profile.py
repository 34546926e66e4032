"""The caller's own profile: what they set for themselves (today, a staff signature)."""

from __future__ import annotations

from app.auth import policy
from app.auth.actor import Actor
from app.errors import NotFound, PermissionDenied
from app.models import User
from app.services.validation import Checks

MAX_SIGNATURE_CHARS = 1000
MAX_SIGNATURE_LINES = 20


def check_signature(checks: Checks, value: str, field: str = "signature") -> str:
    """A signature: Markdown, at most 1,000 characters and 20 lines; empty removes it."""
    text = "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").strip().split("\n"))
    if len(text) > MAX_SIGNATURE_CHARS:
        checks.fail(field, f"A signature must be at most {MAX_SIGNATURE_CHARS} characters.")
    elif text.count("\n") >= MAX_SIGNATURE_LINES:
        checks.fail(field, f"A signature must be at most {MAX_SIGNATURE_LINES} lines.")
    return text


async def update_profile(*, actor: Actor | None, signature: str | None = None) -> User:
    """Change what the caller sets for themselves; leaving a field out keeps it. Only staff
    (and admins) have a signature: it is added to their public replies."""
    actor = policy.require_user(actor)
    user = await User.get_or_none(id=actor.user_id)
    if user is None:
        raise NotFound("User was not found.")
    checks = Checks()
    if signature is not None:
        if not policy.signs_replies(actor):
            raise PermissionDenied("Only staff sign their replies.", field="signature")
        user.signature = check_signature(checks, signature)
    checks.raise_if_any()
    await user.save(update_fields=["signature"])
    return user
