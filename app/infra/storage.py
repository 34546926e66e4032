"""Where attachment contents live: a small interface, and files on disk by content hash.

Layout under ``<HELPDESK_VAR>/files``: ``ab/cd/<sha256>`` (one file per distinct content),
``tmp/`` (uploads being written, renamed into place when complete) and ``pins/`` (one empty
file per upload in flight, ``<sha256>.<random>``, so a failed upload of the same content in
another request or process never deletes a blob that a transaction is about to reference).
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import anyio

from app.config import Settings

log = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024


class TooLarge(Exception):
    """The stream went past the limit given to ``save``; nothing was kept."""


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    pin: str
    """Opaque: keeps the blob from being removed until ``release``."""


class FileStore(Protocol):
    async def save(self, chunks: AsyncIterable[bytes], *, limit: int) -> StoredBlob:
        """Stream ``chunks`` into the store (deduplicated by hash) and pin the result; raise
        ``TooLarge`` past ``limit`` bytes."""
        ...

    def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The content in chunks; memory stays flat whatever the size."""
        ...

    async def exists(self, sha256: str) -> bool: ...

    async def release(
        self, blob: StoredBlob, *, referenced: Callable[[str], Awaitable[bool]]
    ) -> None:
        """Drop the pin; delete the content if no other upload pins it and ``referenced``
        says nothing committed uses it."""
        ...


class LocalFileStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.pins = root / "pins"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def save(self, chunks: AsyncIterable[bytes], *, limit: int) -> StoredBlob:
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.pins.mkdir(parents=True, exist_ok=True)
        partial = self.tmp / f"{uuid.uuid4().hex}.part"
        digest = hashlib.sha256()
        size = 0
        try:
            async with await anyio.open_file(partial, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge
                    digest.update(chunk)
                    await out.write(chunk)
            sha256 = digest.hexdigest()
            pin = self.pins / f"{sha256}.{uuid.uuid4().hex}"
            pin.touch(exist_ok=False)
            try:
                final = self.path(sha256)
                final.parent.mkdir(parents=True, exist_ok=True)
                # The pin exists before the content is (re)placed: see ``release``.
                os.replace(partial, final)
            except BaseException:
                pin.unlink(missing_ok=True)
                raise
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return StoredBlob(sha256=sha256, size=size, pin=pin.name)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        async with await anyio.open_file(self.path(sha256), "rb") as source:
            while chunk := await source.read(READ_CHUNK):
                yield chunk

    async def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def release(
        self, blob: StoredBlob, *, referenced: Callable[[str], Awaitable[bool]]
    ) -> None:
        (self.pins / blob.pin).unlink(missing_ok=True)
        if await self._in_use(blob.sha256, referenced):
            return
        # Move aside, look again, then delete or put back. Another upload of the same content
        # pins before it places its copy, so either the second look sees its pin or its copy
        # lands after ours was moved aside; a commit is seen as a row once its pin is gone
        # (pins are checked before rows).
        await self.remove_unused(blob.sha256, referenced=referenced, checked=True)

    async def remove_unused(
        self,
        sha256: str,
        *,
        referenced: Callable[[str], Awaitable[bool]],
        checked: bool = False,
    ) -> bool:
        """Delete the content unless an upload pins it or ``referenced`` says a committed row
        uses it (looked at before and after moving it aside); whether it was deleted."""
        if not checked and await self._in_use(sha256, referenced):
            return False
        final = self.path(sha256)
        self.tmp.mkdir(parents=True, exist_ok=True)
        aside = self.tmp / f"{uuid.uuid4().hex}.removing"
        try:
            os.replace(final, aside)
        except FileNotFoundError:
            return False
        if await self._in_use(sha256, referenced):
            os.replace(aside, final)
            return False
        aside.unlink(missing_ok=True)
        return True

    def leftovers(self, older_than: float) -> Iterator[Path]:
        """Files in ``tmp/`` and ``pins/`` last changed before ``older_than`` (a POSIX time):
        partial uploads and holds of a process that crashed."""
        for folder in (self.tmp, self.pins):
            if folder.is_dir():
                with os.scandir(folder) as entries:
                    for entry in entries:
                        # ctime too: a file moved aside (``.removing``) keeps its old mtime
                        # while its remover may still put it back.
                        stat = entry.stat()
                        if entry.is_file() and max(stat.st_mtime, stat.st_ctime) < older_than:
                            yield Path(entry.path)

    def contents(self, older_than: float, shard: str = "[0-9a-f][0-9a-f]") -> Iterator[str]:
        """The hashes of stored contents last written before ``older_than`` (a POSIX time),
        of one first-level ``shard`` (two hex digits) or of all."""
        for path in self.root.glob(f"{shard}/[0-9a-f][0-9a-f]/*"):
            if len(path.name) == 64 and path.stat().st_mtime < older_than:
                yield path.name

    async def _in_use(self, sha256: str, referenced: Callable[[str], Awaitable[bool]]) -> bool:
        prefix = f"{sha256}."
        if not self.pins.is_dir():
            return await referenced(sha256)
        with os.scandir(self.pins) as entries:
            if any(entry.name.startswith(prefix) for entry in entries):
                return True
        return await referenced(sha256)


@lru_cache(maxsize=8)
def _store_at(root: Path) -> LocalFileStore:
    return LocalFileStore(root)


def local_store(settings: Settings) -> LocalFileStore:
    """The files under ``<HELPDESK_VAR>/files``, for housekeeping (which walks the disk)."""
    return _store_at(settings.var_dir / "files")


def file_store(settings: Settings) -> FileStore:
    """The configured store: files under ``<HELPDESK_VAR>/files``."""
    return _store_at(settings.var_dir / "files")
