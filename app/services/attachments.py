"""Attachments: validate and store files before the message's transaction, link them inside it.

(Interface used by the ticket and message services; storage and kind checks are completed in
the attachments work.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.models import Attachment, Message


class IncomingFile(Protocol):
    filename: str | None
    content_type: str | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass
class PreparedFile:
    filename: str
    content_type: str
    size: int
    sha256: str


async def prepare(files: Sequence[IncomingFile]) -> list[PreparedFile]:
    if files:
        from app.errors import ValidationFailed

        raise ValidationFailed.single("attachments", "Attachments are not supported yet.")
    return []


async def attach(
    connection: Any, *, message: Message, prepared: list[PreparedFile]
) -> list[Attachment]:
    return []


async def discard(prepared: list[PreparedFile]) -> None:
    return None
