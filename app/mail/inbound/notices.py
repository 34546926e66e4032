"""Telling a refused sender why, at most once a day per sender address.

The From of a refused mail may be forged, so a notice goes only to the address of an existing
user, and never quotes the refused mail's subject or body: the helpdesk must not carry a
stranger's text to a third party (backscatter). The once-a-day rule is a Redis key per sender
holding the time (from app.infra.clock) of the last notice; a Lua script checks and sets it
atomically, so two refusals processed at once still send one notice. Notices carry
``Auto-Submitted: auto-replied`` and come from our own address, so they are never answered by
us, nor (if the other side follows RFC 3834) by a robot.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from redis.asyncio import Redis

from app.config import Settings, SmtpConfigError, SmtpTarget
from app.i18n import Translator, translator
from app.infra.clock import now
from app.mail.outbound.send import SendFailure, send_message
from app.models import User
from app.services.directory import normalise_email

log = logging.getLogger(__name__)

WINDOW_SECONDS = 24 * 3600
KEY_PREFIX = "helpdesk:mailin:notice:"
# KEYS[1]: the sender's key. ARGV: now (epoch seconds), window, key lifetime. 1 = may send.
_CLAIM = """
local last = redis.call('GET', KEYS[1])
if last and tonumber(ARGV[1]) - tonumber(last) < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
return 1
"""


def _key(address: str) -> str:
    return KEY_PREFIX + hashlib.sha256(address.strip().lower().encode()).hexdigest()


async def claim(redis: Redis, address: str) -> bool:
    """Whether a notice may go to this address now (and if so, the slot is taken)."""
    stamp = now().timestamp()
    result = await redis.eval(  # type: ignore[misc]
        _CLAIM, 1, _key(address), str(stamp), str(WINDOW_SECONDS), str(2 * WINDOW_SECONDS)
    )
    return bool(int(result))


async def release(redis: Redis, address: str) -> None:
    await redis.delete(_key(address))


def compose_notice(
    *,
    to: str,
    in_reply_to: str | None,
    explanation: str,
    settings: Settings,
    values: Mapping[str, str | int] | None = None,
    t: Translator | None = None,
) -> EmailMessage:
    """The notice in the recipient's language (``t``); ``explanation`` is a catalogue message
    with ``values`` for its placeholders."""
    t = t or Translator(settings.default_language, settings.default_time_zone)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = t._("Your message could not be added to a ticket")
    message["From"] = settings.sender_address
    message["To"] = to
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(idstring="notice", domain=settings.mail_domain)
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<{in_reply_to}>"
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message["Precedence"] = "auto_reply"
    lines = [
        t._("Your message could not be added to a ticket."),
        "",
        t._(explanation, **(values or {})),
        "",
        t._(
            "To reach us, reply directly to a notification email from the address it was "
            "sent to, or sign in at {link}.",
            link=settings.public_url.rstrip("/"),
        ),
        "",
        t._("Sent on {when}.", when=t.when(now())),
        "",
        "-- ",
        t._(
            "This is an automatic message; replies to it are not read. You get at most one "
            "such notice a day."
        ),
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


async def send_refusal_notice(
    redis: Redis | None,
    *,
    settings: Settings,
    to: str,
    in_reply_to: str | None,
    explanation: str,
    values: Mapping[str, str | int] | None = None,
) -> bool:
    """Send one notice to an existing user unless one went to this address in the last 24
    hours. Never raises: the refusal is already recorded, and a lost notice must not undo it."""
    if redis is None or not to:
        return False
    try:
        user = await User.get_or_none(email=normalise_email(to))
        if user is None:
            return False  # a stranger's address, quite likely forged
        if not await claim(redis, to):
            return False
    except Exception:
        log.exception("cannot check the notice rules; not sending a notice to %s", to)
        return False
    t = translator(
        user.language,
        user.time_zone,
        default_language=settings.default_language,
        default_time_zone=settings.default_time_zone,
    )
    message = compose_notice(
        to=to,
        in_reply_to=in_reply_to,
        explanation=explanation,
        settings=settings,
        values=values,
        t=t,
    )
    try:
        target = SmtpTarget.from_url(settings.smtp)
        # An empty envelope sender: a bounce of this notice must not come back to us.
        await send_message(target, message, sender="", recipients=[to])
    except (SendFailure, SmtpConfigError) as exc:
        log.warning("refusal notice to %s not sent: %s", to, exc)
        try:
            await release(redis, to)
        except Exception:
            log.exception("could not release the notice slot of %s", to)
        return False
    return True
