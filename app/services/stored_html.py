"""A message's body and signature as HTML: stored with the message when it is written
(``add_to_thread``); a message written before the column existed (migration 0020) is rendered
when first read and stored then, so each message is rendered once, not by every process after
every restart. Rendering lazily rather than in a backfill puts the cost only on messages
someone reads, and never holds up an upgrade; a text renders in the same time either way."""

from __future__ import annotations

import logging

from tortoise.exceptions import BaseORMException

from app.models import Message
from app.services.markdown import render_markdown_async

log = logging.getLogger(__name__)


async def body_html(message: Message) -> str:
    """``message.body`` as sanitised HTML, rendered and stored now if it was not yet."""
    if message.body_html is None:
        html = await render_markdown_async(message.body)
        await _store(message, "body_html", html)
    return str(message.body_html)


async def signature_html(message: Message) -> str | None:
    """``message.signature`` as sanitised HTML (None without one), stored like the body."""
    if not message.signature:
        return None
    if message.signature_html is None:
        html = await render_markdown_async(message.signature)
        await _store(message, "signature_html", html)
    return message.signature_html


async def _store(message: Message, column: str, html: str) -> None:
    setattr(message, column, html)
    # Only where still null: a concurrent reader may have stored the same HTML already.
    try:
        await Message.filter(id=message.id, **{f"{column}__isnull": True}).update(**{column: html})
    except BaseORMException as exc:  # the reader still gets the HTML; the next read stores it
        log.warning("could not store %s of message %s: %s", column, message.id, exc)
