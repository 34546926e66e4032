"""Rows read as plain tuples and decoded once per column into loaded models.

Tortoise's own row handling (``_init_from_db``: per row and column, field lookups, conversion,
``__setattr__``) cost more than the statements of a page. A page whose columns are known reads
its rows with the connection's ``execute_query`` and makes each model here, with a decoder
chosen once per column: SQLite's ISO text by ``datetime.fromisoformat`` (aware, in Tortoise's
default zone), enums by their type, booleans by ``bool``, ints and texts as the driver gives
them. The models are what Tortoise would have made (the ticket list's pages were compared
equal with ``select_related``'s)."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from tortoise.fields import BooleanField, CharField, DatetimeField, IntField, TextField
from tortoise.models import Model
from tortoise.queryset import QuerySet, ValuesListQuery, ValuesQuery
from tortoise.timezone import get_default_timezone

M = TypeVar("M", bound=Model)


def decoder(field: Any) -> Callable[[Any], Any] | None:
    """How a column's value becomes the model's, as Tortoise's ``to_python_value`` makes it;
    None: taken as the driver gives it."""
    if isinstance(field, DatetimeField):
        return _TIMES.__getitem__
    if isinstance(field, BooleanField):
        return bool
    enum_type = getattr(field, "enum_type", None)
    if enum_type is not None:
        # A dict lookup in C: calling the enum type runs its metaclass's Python ``__call__``
        # and ``__new__`` (~0.5 µs a value; a list page decodes ~200).
        members = {member.value: member for member in enum_type}
        return cast(Callable[[Any], Any], members.__getitem__)
    if isinstance(field, IntField | CharField | TextField):
        return None
    return cast(Callable[[Any], Any], field.to_python_value)


def aware_datetime(value: Any) -> datetime:
    """A time as Tortoise reads it with ``use_tz`` (aware, in its default time zone): SQLite
    holds ISO text, which ``fromisoformat`` reads at a fraction of Tortoise's parser's cost."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    zone = get_default_timezone()
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


class _Times(dict[Any, datetime]):
    """Stored times already decoded (``aware_datetime``), by the driver's value (SQLite's ISO
    text, asyncpg's datetime): a list page reads the same rows' times on every request, and a
    hit is one dict lookup in C where decoding costs four calls. Datetimes are immutable, so
    rows share them; bounded (emptied when full)."""

    MAX = 16_384

    def __missing__(self, value: Any) -> datetime:
        moment = aware_datetime(value)
        if len(self) >= self.MAX:
            self.clear()
        self[value] = moment
        return moment


_TIMES = _Times()


Plan = tuple[tuple[str, Callable[[Any], Any] | None], ...]


def loaded(model: type[M], plan: Plan, row: Sequence[Any], start: int, *, partial: bool) -> M:
    """A model instance from ``row[start:]`` decoded by ``plan``, as Tortoise's own
    ``_init_from_db`` makes one, without its per-row work on columns (most of the list's ORM
    time); ``partial``: not every column (a user's password hash is not read for a list)."""
    instance = model.__new__(model)
    values = instance.__dict__
    values["_partial"] = partial
    values["_saved_in_db"] = True
    values["_custom_generated_pk"] = False
    values["_await_when_save"] = {}
    for index, (name, decode) in enumerate(plan, start):
        value = row[index]
        values[name] = value if decode is None or value is None else decode(value)
    return instance


def sql_of(query: ValuesListQuery[Any] | ValuesQuery[Any]) -> tuple[str, list[Any]]:
    """The statement and parameters Tortoise would send for ``query``."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


@functools.cache
def plan_of(model: type[Model]) -> tuple[tuple[str, ...], Plan]:
    """Every column of ``model`` (by field name) and its decoder."""
    columns = tuple(model._meta.fields_db_projection)
    return columns, tuple((c, decoder(model._meta.fields_map[c])) for c in columns)


async def models_of(query: QuerySet[M]) -> list[M]:
    """The rows ``query`` selects, every column, as loaded models (see the module)."""
    model = query.model
    columns, plan = plan_of(model)
    sql, params = sql_of(query.values_list(*columns))
    _, rows = await model._meta.db.execute_query(sql, params)
    return [loaded(model, plan, row, 0, partial=False) for row in cast(Sequence[Any], rows)]


_STATEMENTS: dict[Hashable, tuple[str, list[Any], list[int | None]]] = {}


async def rows_in(
    model: type[Model],
    key: Hashable,
    build: Callable[[list[int]], ValuesListQuery[Any] | ValuesQuery[Any]],
    ids: Sequence[int],
) -> Sequence[Sequence[Any]]:
    """The rows of ``build(ids)`` (a query selecting by ``ids``), whose statement text Tortoise
    (pypika) builds once per ``key`` and number of ids, not per request: a list page's tags and
    ratings cost more to build than to run. The statement is built with stand-in ids (negative:
    no row has one) and each run puts ``ids`` where those stood among its parameters."""
    shape = (model, key, len(ids))
    built = _STATEMENTS.get(shape)
    if built is None:
        stand_ins = [-(index + 1) for index in range(len(ids))]
        query = build(stand_ins)
        sql, params = sql_of(query)
        at = {value: index for index, value in enumerate(stand_ins)}
        slots = [at.get(value) if type(value) is int and value < 0 else None for value in params]
        if sorted(s for s in slots if s is not None) != list(range(len(ids))):
            raise AssertionError(f"the statement of {key!r} did not take each id once")
        built = _STATEMENTS[shape] = (sql, params, slots)
        if len(_STATEMENTS) > 4096:  # bounded: shapes are few (keys times page sizes)
            _STATEMENTS.pop(next(iter(_STATEMENTS)))
    sql, params, slots = built
    values = [value if at is None else ids[at] for value, at in zip(params, slots, strict=True)]
    _, rows = await model._meta.db.execute_query(sql, values)
    return cast(Sequence[Sequence[Any]], rows)


async def linked_to_tickets(
    link: type[Model],
    related: str,
    model: type[M],
    ticket_ids: Sequence[int],
    order: Callable[[M], Any],
) -> list[list[M]]:
    """Each ticket's ``model`` rows reached through the link table ``link`` (its ``ticket_id``
    and its foreign key ``related``), in ``order``, for all of ``ticket_ids`` in one statement
    built once per number of tickets (a ticket's tags, its followers)."""
    columns, plan = plan_of(model)
    rows = await rows_in(
        link,
        ("linked to tickets", related),
        lambda ids: link.filter(ticket_id__in=ids).values_list(
            "ticket_id", *(f"{related}__{column}" for column in columns)
        ),
        ticket_ids,
    )
    found = sorted(
        ((row[0], loaded(model, plan, row, 1, partial=False)) for row in rows),
        key=lambda pair: order(pair[1]),
    )
    grouped: dict[int, list[M]] = defaultdict(list)
    for ticket_id, item in found:
        grouped[ticket_id].append(item)
    return [grouped[i] for i in ticket_ids]
