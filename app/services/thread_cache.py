"""The pages of tickets' threads and audit trails kept in the process, keyed by the ticket's
version.

A thread page (messages and their attachments) or an audit page changes only through the one
change path (``app.services.ticket_changes``), which raises the ticket's ``version`` with every
change: a reply, a note, a CC or tag change, a merge (both tickets), anything. So a page read
for a ticket at version v is the page of every later read at version v, whichever process made
the change: the version is read from the database on every request (with the ticket), only
what it names is kept here.
Who may read what is part of the key (``policy.message_scope_key``: staff read internal
notes, clients do not); the authors (names change) are not kept, they load per request.

Bounded: least recently used pages go first once the kept pages' estimated size passes
``MAX_BYTES``; a page larger than a tenth of that is not kept. A database emptied under a
running process (the test suite's) must ``clear()`` it: ids and versions start again."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from app.models import Attachment, AuditEntry, Message

MAX_BYTES = 32 * 1024 * 1024
"""What the kept pages may take, estimated (texts plus a fixed cost per row)."""

_ROW_BYTES = 600  # a decoded model's own cost, estimated: its __dict__, datetimes, ids
_FILE_BYTES = 400


@dataclass(frozen=True)
class ThreadPage:
    """A page of a thread: its messages in order, whether more follow, each one's files."""

    messages: list[Message]
    has_next: bool
    files: list[list[Attachment]]

    def size(self) -> int:
        texts = sum(len(m.body) + len(m.signature or "") for m in self.messages)
        count = sum(len(found) for found in self.files)
        return texts * 2 + _ROW_BYTES * len(self.messages) + _FILE_BYTES * count


@dataclass(frozen=True)
class AuditPage:
    """A page of a ticket's audit trail, oldest first, and whether more follow."""

    entries: list[AuditEntry]
    has_next: bool

    def size(self) -> int:
        texts = sum(len(e.old_value or "") + len(e.new_value or "") for e in self.entries)
        return texts * 2 + _ROW_BYTES * len(self.entries)


class ThreadCache:
    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any:
        found = self._pages.get(key)
        if found is None:
            self.misses += 1
            return None
        self._pages.move_to_end(key)
        self.hits += 1
        return found[0]

    def put(self, key: Hashable, page: ThreadPage | AuditPage) -> None:
        size = page.size()
        if size > self.max_bytes // 10:
            return
        old = self._pages.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._pages[key] = (page, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, (_, gone) = self._pages.popitem(last=False)
            self.bytes -= gone

    def clear(self) -> None:
        self._pages.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._pages)


threads = ThreadCache()
"""The process's cache of thread pages (``app.services.messages.thread_page``)."""
