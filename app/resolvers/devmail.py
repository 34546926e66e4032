"""The dev mailbox over GraphQL: caught mail, and answering it through the inbound SMTP path.

Staff and admins only, and only in the embedded default (SMTP_URL unset); everyone else gets
a typed error (NOT_AUTHENTICATED, PERMISSION_DENIED or DEV_MAILBOX_DISABLED).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry import Private

from app.errors import NotFound
from app.mail.sink import MailboxEntry
from app.schema.errors import ErrorsAsData, mutation, result_union
from app.schema.text_guard import MULTILINE
from app.schema.types import Info
from app.services import devmail


@strawberry.type(description="A message caught by the dev mail sink.")
class CaughtMail:
    id: strawberry.ID
    sender: str = strawberry.field(name="from", description="The From header.")
    to: str
    subject: str
    date: datetime | None
    size: int
    _detail: Private[devmail.CaughtMessage | None]

    async def _full(self, info: Info) -> devmail.CaughtMessage:
        if self._detail is None:
            self._detail = await asyncio.to_thread(
                devmail.get_caught,
                actor=info.context.actor,
                settings=info.context.settings,
                message_id=str(self.id),
            )
        return self._detail

    @strawberry.field(description="Where an answer goes: the Reply-To address, else From.")
    async def reply_to(self, info: Info) -> str:
        return (await self._full(info)).reply_to

    @strawberry.field(description="The Message-ID header.")
    async def message_id(self, info: Info) -> str | None:
        return (await self._full(info)).message_id

    @strawberry.field(description="The plain-text part (else the HTML part's source).")
    async def text(self, info: Info) -> str:
        return (await self._full(info)).text

    @classmethod
    def of_entry(cls, entry: MailboxEntry) -> CaughtMail:
        return cls(
            id=strawberry.ID(entry.id),
            sender=entry.sender,
            to=entry.to,
            subject=entry.subject,
            date=entry.date,
            size=entry.size,
            _detail=None,
        )

    @classmethod
    def of_message(cls, message: devmail.CaughtMessage) -> CaughtMail:
        return cls(
            id=strawberry.ID(message.id),
            sender=message.sender,
            to=message.to,
            subject=message.subject,
            date=message.date,
            size=message.size,
            _detail=message,
        )


@strawberry.type(description="The mail the embedded SMTP sink caught (newest first).")
class DevMailbox:
    inbound_port: int = strawberry.field(description="The inbound SMTP listener answers go to.")

    @strawberry.field
    async def messages(self, info: Info, first: int = 50) -> list[CaughtMail]:
        entries = await asyncio.to_thread(
            devmail.list_caught,
            actor=info.context.actor,
            settings=info.context.settings,
            first=first,
        )
        return [CaughtMail.of_entry(entry) for entry in entries]

    @strawberry.field(description="One caught message by id, or null when it is gone.")
    async def mail(self, info: Info, id: strawberry.ID) -> CaughtMail | None:
        try:
            found = await asyncio.to_thread(
                devmail.get_caught,
                actor=info.context.actor,
                settings=info.context.settings,
                message_id=str(id),
            )
        except NotFound:
            return None
        return CaughtMail.of_message(found)


@strawberry.type(description="An answer sent to the inbound SMTP listener.")
class AnsweredMail:
    to: str
    sender: str = strawberry.field(name="from")
    subject: str
    message_id: str


@strawberry.input
class AnswerCaughtMailInput:
    id: strawberry.ID = strawberry.field(description="The caught message to answer.")
    body: str = strawberry.field(
        description="The answer's text; the original is quoted below.", metadata=MULTILINE
    )


DevMailboxResult = result_union("DevMailboxResult", DevMailbox)
AnswerCaughtMailResult = result_union("AnswerCaughtMailResult", AnsweredMail)


@strawberry.type
class DevMailQueries:
    @strawberry.field(
        description="Staff and admins, embedded default only (SMTP_URL unset): the dev mailbox.",
        extensions=[ErrorsAsData()],
    )
    def dev_mailbox(self, info: Info) -> DevMailboxResult:
        devmail.require_dev_mailbox(info.context.actor, info.context.settings)
        return DevMailbox(inbound_port=info.context.settings.smtp_listen_port)


@strawberry.type
class DevMailMutations:
    @mutation(
        description="Staff and admins, embedded default only: answer a caught message as its "
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
