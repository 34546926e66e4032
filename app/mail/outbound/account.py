"""Account mails: password reset, invitation, email verification, "you already have an account".

Built when the job runs, from the account as it is then: the signed link (``app.auth.links``)
is made here and never stored; a reset asked for an address nobody holds builds nothing. The
token travels in the URL's fragment (``/password#token=…``), which browsers never send to a
server nor in a Referer header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from app.auth.links import LIFETIME, LinkPurpose, make_token
from app.config import Settings
from app.events import AccountMail
from app.i18n import Translator, translator
from app.infra.clock import now
from app.models import User


@dataclass(frozen=True)
class AccountMessage:
    recipient: str
    subject: str
    message: EmailMessage


def _address(name: str, address: str) -> Address:
    username, _, domain = address.rpartition("@")
    return Address(
        display_name=re.sub(r"[\r\n\t]+", " ", name).strip(), username=username, domain=domain
    )


def _lifetime(purpose: LinkPurpose, t: Translator) -> str:
    hours = int(LIFETIME[purpose].total_seconds() // 3600)
    if hours < 48:
        return t.ngettext("{n} hour", "{n} hours", hours)
    return t.ngettext("{n} day", "{n} days", hours // 24)


async def _recipient(mail: AccountMail) -> User | None:
    if mail.kind == "reset":
        return await User.get_or_none(email=mail.email, active=True)
    if mail.user is None:
        return None
    user = await User.get_or_none(id=mail.user, active=True)
    # The address the mail was asked for: an address changed since gets nothing.
    return user if user is not None and user.email == mail.email else None


async def build(mail: AccountMail, settings: Settings) -> AccountMessage | None:
    """The mail to send, or None when there is nobody to send it to (no such account, it was
    deactivated or its address changed, or there is nothing left to do)."""
    user = await _recipient(mail)
    if user is None:
        return None
    t = translator(
        user.language,
        user.time_zone,
        default_language=settings.default_language,
        default_time_zone=settings.default_time_zone,
    )
    base = settings.public_url.rstrip("/")
    issued = datetime.fromisoformat(mail.requested_at)
    hello = t._("Hello {name},", name=user.name)
    if mail.kind == "reset":
        token = make_token(LinkPurpose.RESET, user, settings=settings, issued_at=issued)
        subject = t._("Reset your password")
        lines = [
            hello,
            "",
            t._("Someone (we hope you) asked to reset the password of your helpdesk account."),
            t._(
                "Choose a new password here within {lifetime}:",
                lifetime=_lifetime(LinkPurpose.RESET, t),
            ),
            "",
            f"{base}/password#token={token}",
            "",
            t._("The link works once. Using it signs you out everywhere."),
            t._("If you did not ask for this, ignore this mail: your password stays as it is."),
        ]
    elif mail.kind == "invite":
        if user.password_hash is not None:
            return None  # a password was set meanwhile
        token = make_token(LinkPurpose.INVITE, user, settings=settings, issued_at=issued)
        subject = t._("Your helpdesk account")
        lines = [
            hello,
            "",
            t._("Our team created a helpdesk account for you, to follow your requests online."),
            t._(
                "Choose your password here within {lifetime}:",
                lifetime=_lifetime(LinkPurpose.INVITE, t),
            ),
            "",
            f"{base}/password#token={token}",
            "",
            t._("You can also simply answer our mails; no account is needed for that."),
        ]
    elif mail.kind == "verify":
        if user.email_verified:
            return None
        token = make_token(LinkPurpose.VERIFY, user, settings=settings, issued_at=issued)
        subject = t._("Confirm your email address")
        lines = [
            hello,
            "",
            t._(
                "Confirm your address to finish signing up for the helpdesk, within {lifetime}:",
                lifetime=_lifetime(LinkPurpose.VERIFY, t),
            ),
            "",
            f"{base}/verify#token={token}",
            "",
            t._("If you did not sign up, ignore this mail; no account is made without it."),
        ]
    else:  # signup_exists
        subject = t._("You already have a helpdesk account")
        lines = [
            hello,
            "",
            t._(
                "Someone tried to sign up for the helpdesk with this address, which already "
                "has an account. If it was you, sign in:"
            ),
            "",
            f"{base}/login",
            "",
            t._("Forgot your password? Reset it here: {link}", link=base + "/forgot-password"),
            "",
            t._("If it was not you, ignore this mail; nothing was changed."),
        ]
    lines += ["", t._("Asked for on {when}.", when=t.when(issued))]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = _address("Helpdesk", settings.sender_address)
    message["To"] = _address(user.name, user.email)
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid(domain=settings.mail_domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content("\n".join(lines) + "\n", cte="quoted-printable")
    return AccountMessage(recipient=user.email, subject=subject, message=message)
