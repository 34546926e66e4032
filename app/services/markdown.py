"""Messages are Markdown (CommonMark): the one renderer of the web thread, the composer's
preview and the HTML part of notification mail.

markdown-it-py renders CommonMark (plus tables and ~~strikethrough~~) with every line break
kept, as plain-text messages always showed them; raw HTML in the text is escaped, never
passed through. nh3 (the Ammonia sanitiser) then keeps only an allow-list of tags and
attributes: links are http(s) or mailto only (``javascript:`` and ``data:`` are dropped) and
open in a new tab with ``rel="nofollow noopener noreferrer"``; Markdown images are shown as
links and never loaded (an attachment shows as a thumbnail instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
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
_CACHED_CHARS = 8 * 1024
"""Texts up to this long are kept rendered (a thread is read far more often than written)."""


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
    return _CLEANER.clean(_PARSER.render(text)).strip()


_render_cached = lru_cache(maxsize=2048)(_render)


def render_markdown(text: str) -> str:
    """``text`` (Markdown, or plain text as older messages are) as sanitised HTML."""
    if len(text) <= _CACHED_CHARS:
        return _render_cached(text)
    return _render(text)


async def preview(*, actor: Actor | None, text: str) -> str:
    """What ``text`` will look like once sent: any signed-in user may ask (clients write
    Markdown too); the anonymous may not, and a text too long to send is refused."""
    policy.require_user(actor)
    checks = Checks()
    if text.strip():
        checks.body("body", text)
    checks.raise_if_any()
    return render_markdown(text)
