"""The dev mailbox over GraphQL: caught mail, and answering it through the inbound SMTP path."""

from __future__ import annotations

import strawberry

from app.mail import devmail
from app.schema.core.context import Info
from app.schema.core.errors import ErrorsAsData, mutation
from app.schema.devmail import (
    AnswerCaughtMailInput,
    AnswerCaughtMailResult,
    AnsweredMail,
    DevMailbox,
    DevMailboxResult,
)


@strawberry.type
class DevMailQueries:
    @strawberry.field(
        description="Admins only, embedded default only (SMTP_URL unset): the dev mailbox.",
        extensions=[ErrorsAsData()],
    )
    def dev_mailbox(self, info: Info) -> DevMailboxResult:
        devmail.require_dev_mailbox(info.context.actor, info.context.settings)
        return DevMailbox(inbound_port=info.context.settings.smtp_listen_port)


@strawberry.type
class DevMailMutations:
    @mutation(
        description="Admins only, embedded default only: answer a caught message as its "
        "recipient; the answer goes to the inbound SMTP listener like a real reply."
    )
    async def answer_caught_mail(
        self, info: Info, input: AnswerCaughtMailInput
    ) -> AnswerCaughtMailResult:
        sent = await devmail.answer_caught(
            actor=info.context.actor,
            settings=info.context.settings,
            message_id=str(input.id),
            body=input.body,
        )
        return AnsweredMail(
            to=sent.to, sender=sent.sender, subject=sent.subject, message_id=sent.message_id
        )
