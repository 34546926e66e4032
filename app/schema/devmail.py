"""The dev mailbox: mail caught by the embedded SMTP sink, and answers to it.

Admins only (the caught mail is every department's, and an answer posts as its recipient),
and only in the embedded default (SMTP_URL unset); everyone else gets a typed error
(NOT_AUTHENTICATED, PERMISSION_DENIED or DEV_MAILBOX_DISABLED).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import strawberry
from strawberry import Private

from app.errors import NotFound, bad_cursor
from app.mail import devmail
from app.mail.sink import MailboxEntry
from app.schema.core import pagination
from app.schema.core.context import Info
from app.schema.core.errors import result_union
from app.schema.core.pagination import Connection
from app.schema.core.text_guard import MULTILINE


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


@strawberry.type
class CaughtMailConnection(Connection[CaughtMail]):
    pass


@strawberry.type(description="The mail the embedded SMTP sink caught (newest first).")
class DevMailbox:
    inbound_port: int = strawberry.field(description="The inbound SMTP listener answers go to.")

    @strawberry.field
    async def messages(
        self, info: Info, first: int = 50, after: str | None = None
    ) -> CaughtMailConnection:
        key = pagination.decode_cursor(after, "caught", max_text=64)  # a file stem
        if key is not None and (len(key) != 1 or not isinstance(key[0], str)):
            raise bad_cursor()
        entries, has_next = await asyncio.to_thread(
            devmail.list_caught,
            actor=info.context.actor,
            settings=info.context.settings,
            first=pagination.checked_first(first),
            after=key[0] if key else None,
        )
        return pagination.connection(
            CaughtMailConnection,
            "caught",
            [CaughtMail.of_entry(entry) for entry in entries],
            [[entry.id] for entry in entries],
            has_next=has_next,
            after=after,
        )

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
