"""Attachments: check and store files before the message's transaction, link them inside it,
and release what no committed message uses afterwards.

The ticket and message services call ``prepare`` (before the transaction; a refused file
raises a ``ValidationFailed`` naming it, and nothing is kept), ``attach`` (inside it) and
``discard`` (in ``finally``). Email uses ``prepare_lenient``: refused files are reported as
sentences and the rest is kept.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from app.auth import policy
from app.auth.actor import Actor
from app.config import Settings
from app.errors import NotFound, ValidationFailed
from app.file_kinds import (
    HEAD_BYTES,
    INLINE_TYPES,
    Refused,
    inspect,
    name_and_type,
    sanitise_filename,
)
from app.i18n import Msg
from app.infra.clock import now
from app.infra.storage import FileStore, StoredBlob, TooLarge, file_store
from app.models import Attachment, Message

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
PUBLIC_ID_BYTES = 24
"""192 random bits in every download URL."""


class IncomingFile(Protocol):
    """An upload (Starlette's ``UploadFile``), an email attachment (``BytesFile``) or a file
    prepared earlier (``PreparedFile``). The declared type is never trusted."""

    @property
    def filename(self) -> str | None: ...

    @property
    def content_type(self) -> str | None: ...

    async def read(self, size: int = -1) -> bytes: ...


class BytesFile:
    """An in-memory file (an email attachment) in the shape of an upload."""

    def __init__(self, filename: str | None, data: bytes, content_type: str | None = None):
        self.filename = filename
        self.content_type = content_type
        self.size = len(data)
        self._view = memoryview(data)
        self._offset = 0

    async def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else min(len(self._view), self._offset + size)
        chunk = bytes(self._view[self._offset : end])
        self._offset = end
        return chunk


@dataclass
class PreparedFile:
    """A checked file, stored and held until ``discard``. Passing one to a service (as email
    does after ``prepare_lenient``) attaches it as is."""

    filename: str
    content_type: str
    size: int
    sha256: str
    blob: StoredBlob = field(repr=False)
    store: FileStore = field(repr=False)  # where the blob is held

    async def read(self, size: int = -1) -> bytes:
        raise TypeError("already stored: prepare() passes a PreparedFile through unread")


class _Refusal(Exception):
    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(reason)
        self.sentence = Msg(
            "“{filename}” was not accepted: it {reason}.",
            filename=filename,
            reason=reason if isinstance(reason, Msg) else Msg(reason),
        )


async def prepare(files: Sequence[IncomingFile], settings: Settings) -> list[PreparedFile]:
    """Check and store every file (within the settings' limits), or refuse the lot with an
    error naming every bad one and why, one sentence each (the files before and after a
    refused one are still checked, so the sender fixes them all at once). Files prepared
    earlier (``PreparedFile``) are taken as they are."""
    if len(files) > settings.max_files_per_message:
        raise ValidationFailed.single(
            "attachments",
            Msg(
                "A message may carry at most {limit} files; this one has {n}.",
                limit=settings.max_files_per_message,
                n=len(files),
            ),
        )
    store = file_store(settings)
    prepared: list[PreparedFile] = []
    refusals: list[str] = []
    try:
        for incoming in files:
            used = sum(p.size for p in prepared)
            if isinstance(incoming, PreparedFile):
                prepared.append(incoming)
                continue
            try:
                prepared.append(await _store_one(store, settings, incoming, used=used))
            except _Refusal as refusal:
                refusals.append(refusal.sentence)
    except BaseException:
        await discard(prepared)
        raise
    if refusals:
        await discard(prepared)
        raise ValidationFailed.single("attachments", Msg.joined(" ", refusals))
    return prepared


async def prepare_lenient(
    files: Sequence[IncomingFile], settings: Settings
) -> tuple[list[PreparedFile], list[str]]:
    """For email: keep what may be kept; each refused file becomes a sentence naming it.

    Pass the result to ``reply_to_ticket(files=...)`` and note the refusals on the reply;
    call ``discard`` on it in a ``finally`` as well (it is idempotent), in case the reply
    fails before the service takes the files over."""
    store = file_store(settings)
    prepared: list[PreparedFile] = []
    refusals: list[str] = []
    limit = settings.max_files_per_message
    refusals += [
        Msg(
            "“{filename}” was not accepted: a message may carry at most {limit} files.",
            filename=sanitise_filename(extra.filename),
            limit=limit,
        )
        for extra in files[limit:]
    ]
    try:
        for incoming in files[:limit]:
            used = sum(p.size for p in prepared)
            try:
                prepared.append(await _store_one(store, settings, incoming, used=used))
            except _Refusal as refusal:
                refusals.append(refusal.sentence)
    except BaseException:
        await discard(prepared)
        raise
    return prepared, refusals


async def attach(
    connection: Any, *, message: Message, prepared: list[PreparedFile]
) -> list[Attachment]:
    """Link prepared files to a message, inside the caller's transaction."""
    stamp = now()
    return [
        await Attachment.create(
            public_id=secrets.token_urlsafe(PUBLIC_ID_BYTES),
            message=message,
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            created_at=stamp,
            using_db=connection,
        )
        for item in prepared
    ]


async def discard(prepared: list[PreparedFile]) -> None:
    """After the transaction: drop this request's hold on its files and delete those no
    committed attachment uses (the message failed, or it was refused). Never raises: a file
    left behind is better than a failed reply whose message was saved."""
    for item in prepared:
        try:
            await item.store.release(item.blob, referenced=_referenced)
        except Exception:
            log.exception("could not release stored file %s", item.sha256)


async def _referenced(sha256: str) -> bool:
    return await Attachment.filter(sha256=sha256).exists()


async def _store_one(
    store: FileStore, settings: Settings, incoming: IncomingFile, *, used: int
) -> PreparedFile:
    shown = sanitise_filename(incoming.filename)
    per_file = settings.max_file_bytes
    room = settings.max_message_bytes - used
    too_big_for_file = Msg(
        "is larger than {limit} (the limit for one file)", limit=_human(per_file)
    )
    too_big_for_message = Msg(
        "would take the files of this message past {limit} (the limit for one message)",
        limit=_human(settings.max_message_bytes),
    )
    declared = getattr(incoming, "size", None)
    if isinstance(declared, int):
        if declared > per_file:
            raise _Refusal(shown, too_big_for_file)
        if declared > room:
            raise _Refusal(shown, too_big_for_message)
    head = await _read_head(incoming)
    try:
        inspection = inspect(head)
    except Refused as refused:
        raise _Refusal(shown, refused.reason) from None

    async def chunks() -> AsyncIterator[bytes]:
        yield head
        while chunk := await incoming.read(CHUNK):
            inspection.feed(chunk)
            yield chunk
        inspection.finish()

    try:
        blob = await store.save(chunks(), limit=min(per_file, room))
    except Refused as refused:
        raise _Refusal(shown, refused.reason) from None
    except TooLarge:
        raise _Refusal(
            shown, too_big_for_file if per_file <= room else too_big_for_message
        ) from None
    filename, content_type = name_and_type(inspection, shown)
    return PreparedFile(
        filename=filename,
        content_type=content_type,
        size=blob.size,
        sha256=blob.sha256,
        blob=blob,
        store=store,
    )


async def _read_head(incoming: IncomingFile) -> bytes:
    parts: list[bytes] = []
    have = 0
    while have < HEAD_BYTES:
        chunk = await incoming.read(HEAD_BYTES - have)
        if not chunk:
            break
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)


def _human(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class Download:
    attachment: Attachment
    store: FileStore

    @property
    def inline(self) -> bool:
        """Images open in the browser; everything else is downloaded."""
        return self.attachment.content_type in INLINE_TYPES

    def chunks(self) -> AsyncIterator[bytes]:
        return self.store.read(self.attachment.sha256)


async def open_download(*, actor: Actor | None, public_id: str, settings: Settings) -> Download:
    """The file if ``actor`` may see the message it belongs to; NotFound otherwise, the same
    for a missing id, an anonymous caller and a forbidden one."""
    missing = NotFound("File not found.")
    if actor is None or not 16 <= len(public_id) <= 40:
        raise missing
    attachment = (
        await Attachment.filter(public_id=public_id).select_related("message__ticket").first()
    )
    if attachment is None:
        raise missing
    message: Message = attachment.message
    if not policy.can_view_message(actor, message.ticket, message):
        raise missing
    store = file_store(settings)
    if not await store.exists(attachment.sha256):
        log.error("attachment %s has no stored content", attachment.public_id)
        raise missing
    return Download(attachment=attachment, store=store)


def download_url(public_url: str, *, public_id: str, filename: str) -> str:
    """Where a file is downloaded: ``PUBLIC_URL/attachments/<id>/<filename>``."""
    return f"{public_url.rstrip('/')}/attachments/{quote(public_id)}/{quote(filename)}"
