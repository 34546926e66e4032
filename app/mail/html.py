"""HTML email bodies to plain text, without the quoted history.

Quoted parts are recognised by the markup that the big clients put around them
(Gmail, Outlook desktop and web, Apple Mail, Thunderbird, Yahoo) and removed with
BeautifulSoup before html2text turns what is left into text.
"""

from __future__ import annotations

import re

import html2text
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PageElement, PreformattedString

from app.mail.trimming import (
    is_attribution,
    is_header_line,
    is_quote_only,
    join_wrapped_attributions,
    normalize_newlines,
)

# Blocks holding quoted mail.
_QUOTE_SELECTORS = ", ".join(
    [
        "blockquote.gmail_quote",
        "blockquote[type=cite]",  # Apple Mail, Thunderbird
        "div[class*=yahoo_quoted]",  # yahoo_quoted, ydp1a2b3yahoo_quoted
        "div[id*=yahoo_quoted]",
        "blockquote.protonmail_quote",
    ]
)
# "On <date>, <name> wrote:" lines that clients mark up; never part of the answer.
_ATTRIBUTIONS = "div.gmail_attr, div.moz-cite-prefix"
# Wrappers that hold quotes (and, for inline answers, the answers): dropped when empty.
_QUOTE_WRAPPERS = "div.gmail_quote, div.gmail_quote_container, div.gmail_extra"
_SIGNATURES = ".moz-signature, .gmail_signature, div#Signature"
# Outlook's reply header: the divRplyFwdMsg block (Outlook web / new Outlook) or the
# grey top border above "From: ... Sent: ..." (Outlook desktop, #E1E1E1; 2010 #B5C4DF).
_OUTLOOK_SEPARATOR_STYLE = re.compile(r"border-top\s*:\s*solid\s+#(?:e1e1e1|b5c4df)", re.I)
# An <hr> that starts the history: a header block within the next few lines of text.
_HEADER_PEEK_CHARS = 600
_HEADER_LINES = 4
_LINE_BREAKING = frozenset(
    ["br", "p", "div", "hr", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table", "pre"]
)
_DROP_TAGS = ("script", "style", "title", "meta", "link", "noscript", "template")
_BLANK_LINES = re.compile(r"\n{3,}")


def _remove_from(node: Tag) -> None:
    """Remove node and everything after it in document order."""
    current: Tag | None = node
    while current is not None and current.name not in ("body", "html", "[document]"):
        for sibling in list(current.next_siblings):
            sibling.extract()
        parent = current.parent
        if current is node:
            node.extract()
        current = parent


def _text_following(node: Tag, limit: int = _HEADER_PEEK_CHARS) -> list[str]:
    """The first lines of text after node in document order (block ends and <br> break)."""
    parts: list[str] = []
    size = 0
    for element in node.next_elements:
        if isinstance(element, Tag) and element.name in _LINE_BREAKING:
            parts.append("\n")
        elif _is_text(element):
            text = str(element).replace("\xa0", " ")
            parts.append(text)
            size += len(text)
            if size > limit:
                break
    return [line.strip() for line in "".join(parts).split("\n") if line.strip()]


def _is_history_rule(rule: Tag) -> bool:
    """An <hr> followed by a From:/Sent:/To:/Subject: block (Outlook.com, Hotmail)."""
    lines = _text_following(rule)[:_HEADER_LINES]
    headers = 0
    for line in lines:
        if not is_header_line(line):
            break
        headers += 1
    return headers >= 2


def _cut_outlook_history(soup: BeautifulSoup) -> None:
    marker = soup.find(id=re.compile(r"^divRplyFwdMsg")) or soup.find(
        style=_OUTLOOK_SEPARATOR_STYLE
    )
    if not isinstance(marker, Tag):
        marker = next((hr for hr in soup.find_all("hr") if _is_history_rule(hr)), None)
    if not isinstance(marker, Tag):
        return
    # Outlook on the web puts an <hr> (and an empty #appendonsend div) right before it.
    previous = marker.find_previous_sibling()
    if isinstance(previous, Tag) and previous.name == "hr":
        previous.extract()
    _remove_from(marker)


def _is_text(element: PageElement) -> bool:
    return (
        isinstance(element, NavigableString)
        and not isinstance(element, PreformattedString)  # comments, doctype, CDATA
        and bool(element.strip())
    )


def _outside(element: PageElement, skip: set[int]) -> bool:
    return not any(id(parent) in skip for parent in element.parents)


def _text_after(node: Tag, skip: set[int]) -> bool:
    """Whether the sender wrote anything after node (signatures do not count)."""
    last: PageElement = node
    while isinstance(last, Tag) and last.contents:
        last = last.contents[-1]
    return any(
        _is_text(element) and _outside(element, skip)
        for element in last.next_elements  # everything after node's last descendant
    )


def _text_before(node: Tag, skip: set[int]) -> str:
    """What the sender wrote before node (other quotes and attributions excluded)."""
    parts = [
        str(element).strip()
        for element in node.previous_elements
        if _is_text(element) and _outside(element, skip)
    ]
    return " ".join(reversed(parts))


def _remove_quotes(soup: BeautifulSoup) -> None:
    """Drop quote blocks that end the message, and the quote a bottom-posted reply sits
    under; keep quotes the sender answered inline (text both before and after them)."""
    for attribution in soup.select(_ATTRIBUTIONS):
        attribution.extract()
    quotes = soup.select(_QUOTE_SELECTORS)
    signatures = soup.select(_SIGNATURES)
    for quote in reversed(quotes):
        if quote.parent is None:
            continue
        skip = {id(tag) for tag in [*quotes, *signatures] if tag.parent is not None}
        if not _text_after(quote, skip):
            quote.extract()
            continue
        before = _text_before(quote, skip)
        if not before or is_attribution(before):
            quote.extract()
    for wrapper in soup.select(_QUOTE_WRAPPERS):
        if not wrapper.get_text().strip():
            wrapper.extract()


def strip_html_quotes(html: str) -> BeautifulSoup:
    """Parse html and remove scripts, styles and the quoted history of a reply."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    _cut_outlook_history(soup)
    _remove_quotes(soup)
    return soup


def _converter() -> html2text.HTML2Text:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no hard wrapping
    converter.ignore_images = True
    converter.ignore_links = False  # keep links, as [text](url)
    converter.unicode_snob = True  # real characters, not ASCII look-alikes
    converter.ignore_emphasis = False
    return converter


def _drop_trailing_attribution(text: str) -> str:
    """Remove an "On <date>, <name> wrote:" left above a removed quote (Apple Mail)."""
    lines = join_wrapped_attributions(text.rstrip().split("\n"))
    if lines and is_attribution(lines[-1]):
        lines.pop()
    return "\n".join(lines)


def _to_text(soup: BeautifulSoup | str) -> str:
    text = normalize_newlines(_converter().handle(str(soup))).replace("\xa0", " ")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _visible(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def _quote_only(html: str, soup: BeautifulSoup, text: str) -> bool:
    """Whether the quotes removed from soup were all there was, but for a signature: what
    is left (signatures removed) is empty or a signature, and something was removed."""
    signatures = soup.select(_SIGNATURES)
    if signatures:
        for signature in signatures:
            signature.extract()
        text = _drop_trailing_attribution(_to_text(soup)).strip()
    if not is_quote_only(text, quoted=True):
        return False
    whole = BeautifulSoup(html, "html.parser")
    for tag in [*whole.find_all(_DROP_TAGS), *whole.select(_SIGNATURES)]:
        tag.decompose()
    return _visible(whole) != _visible(soup)


def html_reply(html: str) -> tuple[str, bool]:
    """An HTML body as plain text minus the quoted part of a reply, and whether the body
    held nothing but quoted history (and a signature). With nothing but quotes the text is
    the whole body (a bare forward must not become empty)."""
    soup = strip_html_quotes(html)
    text = _drop_trailing_attribution(_to_text(soup)).strip()
    quote_only = _quote_only(html, soup, text)
    if not text:
        soup = BeautifulSoup(html, "html.parser")
        for tag in soup.find_all(_DROP_TAGS):
            tag.decompose()
        text = _to_text(soup).strip()
    return _BLANK_LINES.sub("\n\n", text), quote_only


def html_to_text(html: str) -> str:
    """Convert an HTML email body to plain text, minus the quoted part of a reply."""
    return html_reply(html)[0]
