"""A message's body and signature as HTML: stored with the message when it is written
(``add_to_thread``); a message written before the column existed (migration 0020) is rendered
when first read and stored then, so each message is rendered once, not by every process after
every restart. Rendering lazily rather than in a backfill puts the cost only on messages
someone reads, and never holds up an upgrade; a text renders in the same time either way.

The messages of a page asked for their HTML in the same turn of the event loop are rendered
together (long texts in one worker thread call) and stored in one statement per column, as a
DataLoader batches loads: a cold page of 100 such messages costs the statements of a page of
10 (``tests/writing/test_markdown_stored.py`` counts them)."""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field

from tortoise.exceptions import BaseORMException

from app.models import Message
from app.services.markdown import render_markdown, rendered_now

log = logging.getLogger(__name__)

COLUMNS = ("body_html", "signature_html")
STORE_CHUNK = 300
"""Messages per SQLite ``UPDATE`` (three parameters each, well under its variable limit)."""


async def body_html(message: Message) -> str:
    """``message.body`` as sanitised HTML, rendered and stored now if it was not yet."""
    if message.body_html is None:
        await _rendered(message, "body_html", message.body)
    return str(message.body_html)


async def signature_html(message: Message) -> str | None:
    """``message.signature`` as sanitised HTML (None without one), stored like the body."""
    if not message.signature:
        return None
    if message.signature_html is None:
        await _rendered(message, "signature_html", message.signature)
    return message.signature_html


@dataclass
class _Batch:
    """What this turn of the event loop asked to render: (column, message id) -> the work."""

    wanted: dict[tuple[str, int], tuple[Message, str]] = field(default_factory=dict)
    done: asyncio.Future[None] | None = None


_open: dict[asyncio.AbstractEventLoop, _Batch] = {}


async def _rendered(message: Message, column: str, text: str) -> None:
    loop = asyncio.get_running_loop()
    batch = _open.get(loop)
    if batch is None:
        batch = _open[loop] = _Batch(done=loop.create_future())
        loop.call_soon(_dispatch, loop, batch)
    batch.wanted.setdefault((column, message.id), (message, text))
    assert batch.done is not None
    await asyncio.shield(batch.done)
    if getattr(message, column) is None:  # another instance of the row was in the batch
        setattr(message, column, batch.wanted[(column, message.id)][0].__dict__[column])


def _dispatch(loop: asyncio.AbstractEventLoop, batch: _Batch) -> None:
    del _open[loop]
    task = loop.create_task(_render_and_store(batch))
    task.add_done_callback(functools.partial(_settle, batch))


def _settle(batch: _Batch, task: asyncio.Task[None]) -> None:
    assert batch.done is not None
    if batch.done.done():
        return
    error = None if task.cancelled() else task.exception()
    if error is not None:
        batch.done.set_exception(error)
    elif task.cancelled():
        batch.done.cancel()
    else:
        batch.done.set_result(None)


async def _render_and_store(batch: _Batch) -> None:
    slow = [(key, text) for key, (_, text) in batch.wanted.items() if rendered_now(text) is None]
    html: dict[tuple[str, int], str] = {}
    if slow:  # long texts: off the event loop, in one worker thread call
        rendered = await asyncio.to_thread(lambda: [render_markdown(t) for _, t in slow])
        html.update(zip((key for key, _ in slow), rendered, strict=True))
    for key, (message, text) in batch.wanted.items():
        setattr(message, key[0], html[key] if key in html else render_markdown(text))
    for column in COLUMNS:
        rows = [
            (message.id, message.__dict__[column])
            for (name, _), (message, _) in batch.wanted.items()
            if name == column
        ]
        if rows:
            await _store(column, rows)


async def _store(column: str, rows: list[tuple[int, str]]) -> None:
    """Store each row's HTML in one statement, only where still null (a concurrent reader may
    have stored the same HTML already)."""
    client = Message._meta.db
    try:
        if client.capabilities.dialect != "sqlite":
            ids, texts = zip(*rows, strict=True)
            await client.execute_query(_store_postgres(column), [list(ids), list(texts)])
            return
        for start in range(0, len(rows), STORE_CHUNK):
            chunk = rows[start : start + STORE_CHUNK]
            values: list[object] = [v for row in chunk for v in row]
            values += [message_id for message_id, _ in chunk]
            await client.execute_query(_store_sqlite(column, len(chunk)), values)
    except BaseORMException as exc:  # the reader still gets the HTML; the next read stores it
        log.warning("could not store %s of %d messages: %s", column, len(rows), exc)


@functools.cache
def _store_postgres(column: str) -> str:
    return (
        f'UPDATE "messages" AS m SET "{column}" = v.html'
        " FROM unnest($1::int[], $2::text[]) AS v(id, html)"
        f' WHERE m."id" = v.id AND m."{column}" IS NULL'
    )


@functools.lru_cache(maxsize=64)
def _store_sqlite(column: str, count: int) -> str:
    cases = " ".join(["WHEN ? THEN ?"] * count)
    marks = ",".join(["?"] * count)
    return (
        f'UPDATE "messages" SET "{column}" = CASE "id" {cases} END'
        f' WHERE "{column}" IS NULL AND "id" IN ({marks})'
    )
