"""Account-mail job: sends one reset, invitation or verification mail.

Like notifications, each mail has a delivery record (``OutboundMail``, no ticket) keyed by its
outbox row (id and when it was written, ``AccountMail.key``), claimed before sending, so a job
run twice sends once; transient SMTP failures are tried again on the same schedule, permanent
ones recorded as FAILED for admins to see.
"""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry, func
from tortoise.exceptions import IntegrityError

from app import events
from app.config import Settings, SmtpConfigError, SmtpTarget
from app.events import AccountMail
from app.infra.clock import now
from app.mail.outbound import account, records
from app.mail.outbound.send import SendFailure
from app.models import OutboundMail, OutboundStatus
from app.workers.notify import JOB_MAX_TRIES, smtp_pool
from app.workers.queue import ACCOUNT_MAIL_JOB
from app.workers.timeouts import JOB_TIMEOUT_SECONDS

log = logging.getLogger(__name__)


async def account_mail(ctx: dict[str, Any], mail_json: str) -> str:
    settings = ctx.get("settings")
    assert isinstance(settings, Settings), "the worker's start-up puts the settings in ctx"
    try:
        mail = AccountMail.from_json(mail_json)
    except (ValueError, TypeError, KeyError) as exc:
        log.error("ignoring a malformed account mail: %s", exc)
        return "malformed"
    outcome = await _deliver(mail, settings)
    # Not reached on Retry: the job is still arq's. Otherwise the relay stops enqueueing it.
    await events.mark_handled(mail.mail_id, mail.mail_at)
    return outcome


async def _deliver(mail: AccountMail, settings: Settings) -> str:
    built = await account.build(mail, settings)
    if built is None:
        return "nothing to send"
    key = f"account:{mail.key if mail.mail_id is not None else mail.requested_at}"
    try:
        row = await OutboundMail.create(
            dedupe_key=key[:200],
            ticket_id=None,
            recipient=built.recipient[:254],
            subject=built.subject[:300],
            message_id=str(built.message["Message-ID"])[:300],
            status=OutboundStatus.PENDING,
            attempts=1,
            created_at=now(),
            next_attempt_at=now() + records.LEASE,
        )
    except IntegrityError:
        claim = await records.claim(await OutboundMail.get(dedupe_key=key[:200]))
        if claim.row is None:
            if claim.retry_in is not None:
                raise Retry(defer=claim.retry_in) from None
            return "already done"
        row = claim.row
    try:
        try:
            target = SmtpTarget.from_url(settings.smtp)
        except SmtpConfigError as exc:
            raise SendFailure(transient=True, error=f"bad SMTP_URL: {exc}") from exc
        await smtp_pool(target).send(
            built.message, sender=settings.sender_address, recipients=[built.recipient]
        )
    except SendFailure as failure:
        if failure.transient:
            delay = await records.mark_retry(row, failure.error)
            if delay is not None:
                raise Retry(defer=delay) from failure
            return "failed"
        await records.mark_failed(row, failure.error)
        return "failed"
    await records.mark_sent(row)
    return "sent"


FUNCTIONS: list[Any] = [
    func(account_mail, name=ACCOUNT_MAIL_JOB, max_tries=JOB_MAX_TRIES, timeout=JOB_TIMEOUT_SECONDS),
]
