"""Messages are Markdown (CommonMark): the one renderer of the web thread, the composer's
preview and the HTML part of notification mail.

markdown-it-py renders CommonMark (plus tables and ~~strikethrough~~) with every line break
kept, as plain-text messages always showed them; raw HTML in the text is escaped, never
passed through. nh3 (the Ammonia sanitiser) then keeps only an allow-list of tags and
attributes: links are http(s) or mailto only (``javascript:`` and ``data:`` are dropped) and
open in a new tab with ``rel="nofollow noopener noreferrer"``; Markdown images are shown as
links and never loaded (an attachment shows as a thumbnail instead).

A text longer than ``RENDER_LIMIT_CHARS`` is not parsed: it is shown as written, escaped, in
one ``<pre>`` block. markdown-it-py is pure Python and its cost grows with the text (about
3 µs a character for prose; up to about 15-30 µs for text built to be slow, such as 100 KB of
``[`` or ``![``, where every bracket runs the link and image rules, each scanning ahead
through the rest of the line), so the limit bounds the worst render to a few tenths of a
second on a quiet machine (``bench/bench_markdown.py``). A message's HTML is stored with it
when written (``messages.body_html``); whoever changes this renderer or the allow-list adds a
migration setting the stored HTML to null, so every message is rendered again by the new
rules when next read.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Sequence
from html import escape
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

from app.auth import policy
from app.auth.actor import Actor
from app.services.validation import Checks

ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote"),
        *("ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"
INLINE_CHARS = 2 * 1024
"""Longer texts render in a worker thread, unless kept rendered (a 2 KB text takes 10-50 ms)."""
CACHE_BUDGET_CHARS = 32 * 1024 * 1024
RENDER_LIMIT_CHARS = 20_000
"""Longer texts are shown as written (escaped, preformatted), not parsed as Markdown."""


def _image_as_link(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """``![alt](url)`` becomes a link to url reading alt: nothing from outside is loaded."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = renderer.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">{escape(alt)}</a>'


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    return parser


_PARSER = _parser()
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    set_tag_attribute_values={"a": {"target": "_blank"}},
    strip_comments=True,
)


def _render(text: str) -> str:
    if len(text) > RENDER_LIMIT_CHARS:
        # Escaped text inside <pre> holds no markup at all: nothing for the sanitiser to do.
        written = text.strip("\n")
        return f"<pre>{escape(written, quote=True)}</pre>"
    return _CLEANER.clean(_PARSER.render(text)).strip()


class _RenderedCache:
    """Rendered texts, least recently used first out, within a budget of characters (text and
    HTML): for what is not stored rendered (previews, canned responses, and messages written
    before migration 0020 until their first read has stored them)."""

    def __init__(self, budget_chars: int) -> None:
        self._budget = budget_chars
        self._used = 0
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()  # renders of long texts run in worker threads

    def get(self, text: str) -> str | None:
        with self._lock:
            html = self._entries.get(text)
            if html is not None:
                self._entries.move_to_end(text)
            return html

    def put(self, text: str, html: str) -> None:
        size = len(text) + len(html)
        if size > self._budget // 8:
            return
        with self._lock:
            if text in self._entries:
                return
            self._entries[text] = html
            self._used += size
            while self._used > self._budget:
                old_text, old_html = self._entries.popitem(last=False)
                self._used -= len(old_text) + len(old_html)


_CACHE = _RenderedCache(CACHE_BUDGET_CHARS)


def render_markdown(text: str) -> str:
    """``text`` (Markdown, or plain text as older messages are) as sanitised HTML."""
    html = _CACHE.get(text)
    if html is None:
        html = _render(text)
        _CACHE.put(text, html)
    return html


def rendered_now(text: str) -> str | None:
    """The HTML of ``text`` if it costs the event loop next to nothing (kept, or short)."""
    html = _CACHE.get(text)
    if html is None and len(text) <= INLINE_CHARS:
        return render_markdown(text)
    return html


async def render_markdown_async(text: str) -> str:
    """``render_markdown`` that renders a long text in a worker thread, off the event loop."""
    html = rendered_now(text)
    if html is not None:
        return html
    return await asyncio.to_thread(render_markdown, text)


async def render_to_store(text: str) -> str:
    """``text`` rendered to be stored with it (not kept in this process: the row holds it); a
    long text renders in a worker thread."""
    if len(text) <= INLINE_CHARS:
        return _render(text)
    return await asyncio.to_thread(_render, text)


async def preview(*, actor: Actor | None, text: str) -> str:
    """What ``text`` will look like once sent: any signed-in user may ask (clients write
    Markdown too); the anonymous may not, and a text too long to send is refused."""
    policy.require_user(actor)
    checks = Checks()
    if text.strip():
        checks.body("body", text)
    checks.raise_if_any()
    return await render_markdown_async(text)
