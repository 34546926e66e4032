"""Optimistic concurrency for the records admins edit (departments, users, canned responses,
tags, SLA policies and business hours, escalation rules, settings), as tickets have it: each
row carries a ``version``, every save takes the next one, and a save that names the version its
editor loaded (``expected_version``) is refused with a Conflict when the row has moved on, so
the second of two admins editing one record no longer overwrites the first unseen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from app.errors import Conflict
from app.i18n import Msg

FIELD = "expectedVersion"
M = TypeVar("M", bound=Model)


def stale(what: str) -> Conflict:
    """``what``: the record as a sentence starts ("This department"), marked with ``N_``."""
    return Conflict(
        Msg(
            "{what} was changed by someone else since you loaded it; reload to see their "
            "changes, then save again.",
            what=Msg(what),
        ),
        field=FIELD,
    )


def check(row: Model, expected_version: int | None, *, what: str) -> None:
    """Refuse a save based on an older version than the row's (None: the caller names none)."""
    if expected_version is not None and expected_version != row.version:  # type: ignore[attr-defined]
        raise stale(what)


async def claim(row: Model, *, what: str, connection: BaseDBAsyncClient | None = None) -> None:
    """Take the next version for ``row`` as it was loaded (compare and set): of two saves of
    one loaded version, only the first gets it; the other is refused."""
    seen: int = row.version  # type: ignore[attr-defined]
    taken = (
        await type(row)
        .filter(pk=row.pk, version=seen)
        .using_db(connection)
        .update(version=seen + 1)
    )
    if not taken:
        raise stale(what)
    row.version = seen + 1


async def save(
    row: Model,
    expected_version: int | None,
    *,
    what: str,
    update_fields: Iterable[str] | None = None,
) -> None:
    """Check ``expected_version``, then take the next version and save ``row`` in one
    transaction: a refused or failed save changes nothing."""
    check(row, expected_version, what=what)
    async with in_transaction() as connection:
        await claim(row, what=what, connection=connection)
        fields = None if update_fields is None else [*update_fields, "version"]
        await row.save(using_db=connection, update_fields=fields)


async def upsert(
    model: type[M],
    lookup: dict[str, Any],
    values: dict[str, Any],
    expected_version: int | None,
    *,
    what: str,
) -> M:
    """Set the row found by ``lookup`` to ``values`` (versioned as ``save``), or create it
    (version 1; one created meanwhile by someone else is a Conflict)."""
    row = await model.get_or_none(**lookup)
    if row is None:
        try:
            return await model.create(**lookup, **values)
        except IntegrityError:
            raise stale(what) from None
    row.update_from_dict(values)
    await save(row, expected_version, what=what)
    return row
