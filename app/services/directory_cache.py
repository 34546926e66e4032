"""Departments and users kept in the process, for as long as the actor generation stays the same.

A read request's token check already reads the actor generation from Redis
(``app.infra.actor_generation``, ``app.auth.credentials``); every write to a user or a department
bumps it right after its commit, before the request that made it answers (the services do; the
``User`` and ``Department`` models' save and delete signals do it for any other save, see
``app.models.users``). So what a query request read from the database under generation G is what
the database held for every later request that reads G too, in any process: this cache answers
those from memory, and the first request that reads another generation empties it.

Kept: every department (by name), users by id (what a page shows of an author, an actor, a
client, an assignee) and the pages of the user list that an admin asks for (an admin sees every
user: the page is the same for every admin; other viewers' pages are read each time). Only query
operations use it (``Loaders.for_operation``): a mutation reads the database, so its answer shows
its own change. A request that has no generation (Redis did not answer, a socket's events) reads
the database. Entries are also dropped after ``MAX_AGE`` seconds, a bound for a change made by
hand in the database. Rows served from here are shared between requests: read them, never change
them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from app.auth import policy
from app.auth.actor import Actor
from app.models import Department, Role, User
from app.services import directory

MAX_AGE = 60.0
"""Seconds an entry is served at most, whatever the generation says."""
MAX_USERS = 20_000
"""Users kept by id at most; past this they are all dropped and read again."""
MAX_LISTS = 256
"""Pages of the user list kept at most; past this they are all dropped."""

UserListKey = tuple[Role | None, int | None, int, directory.UserPosition | None]


class DirectoryCache:
    """One app's cache (``app.state``): two apps in one process keep their own."""

    def __init__(self) -> None:
        self._generation: bytes | None = None
        self._since = 0.0
        self._departments: list[Department] | None = None
        self._users: dict[int, User] = {}
        self._lists: dict[UserListKey, tuple[list[User], bool]] = {}

    def _current(self, generation: bytes) -> None:
        """Empty the cache if ``generation`` is not the one it holds (or it is too old)."""
        stamp = time.monotonic()
        if generation != self._generation or stamp - self._since > MAX_AGE:
            self._generation, self._since = generation, stamp
            self._departments = None
            self._users = {}
            self._lists = {}

    def clear(self) -> None:
        self._generation = None

    async def every_department(self, generation: bytes) -> list[Department]:
        self._current(generation)
        if self._departments is not None:
            return self._departments
        rows = await directory.every_department()
        if self._generation == generation:  # not replaced while reading
            self._departments = rows
        return rows

    async def users(self, generation: bytes, ids: Sequence[int]) -> dict[int, User]:
        self._current(generation)
        found = {i: self._users[i] for i in ids if i in self._users}
        missing = [i for i in ids if i not in found]
        if missing:
            rows = await User.filter(id__in=missing)
            if self._generation == generation:
                if len(self._users) + len(rows) > MAX_USERS:
                    self._users = {}
                for row in rows:
                    self._users[row.id] = row
            found.update((row.id, row) for row in rows)
        return found

    async def list_users(
        self,
        generation: bytes,
        *,
        actor: Actor | None,
        role: Role | None,
        department_id: int | None,
        first: int,
        after: directory.UserPosition | None,
    ) -> tuple[list[User], bool]:
        async def read() -> tuple[list[User], bool]:
            return await directory.list_users(
                actor=actor, role=role, department_id=department_id, first=first, after=after
            )

        if not policy.sees_every_user(actor):
            return await read()
        self._current(generation)
        key: UserListKey = (role, department_id, first, after)
        cached = self._lists.get(key)
        if cached is not None:
            return cached
        page = await read()
        if self._generation == generation:
            if len(self._lists) >= MAX_LISTS:
                self._lists = {}
            self._lists[key] = page
        return page
