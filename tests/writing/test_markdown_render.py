"""The one Markdown renderer: CommonMark features in, an allow-list of HTML out."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser

import pytest

from app.mail.html import html_to_text
from app.services.markdown import render_markdown, render_markdown_async, rendered_now

LINK_ATTRS = 'target="_blank" rel="nofollow noopener noreferrer"'


def test_commonmark_features_render():
    html = render_markdown(
        "# Title\n\n**bold**, *italic*, ~~gone~~ and `code`\n\n"
        "- one\n- two\n\n3. three\n4. four\n\n> quoted\n\n```\nfenced <b>\n```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n---"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<s>gone</s>" in html
    assert "<code>code</code>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<pre><code>fenced &lt;b&gt;\n</code></pre>" in html
    assert "<td>1</td>" in html and "<th>a</th>" in html
    assert "<hr>" in html


def test_links_open_in_a_new_tab_without_referrer_or_ranking():
    html = render_markdown('[docs](https://example.com/a?b=1&c=2 "Docs") <https://auto.example>')
    assert f'<a href="https://example.com/a?b=1&amp;c=2" title="Docs" {LINK_ATTRS}>docs</a>' in html
    assert f'<a href="https://auto.example" {LINK_ATTRS}>https://auto.example</a>' in html
    assert f'<a href="mailto:help@example.com" {LINK_ATTRS}>mail</a>' in render_markdown(
        "[mail](mailto:help@example.com)"
    )


def test_plain_text_messages_read_as_before_line_breaks_kept():
    text = "Hello,\nthe printer is on fire.\nPlease help.\n\nCarol"
    assert render_markdown(text) == (
        "<p>Hello,<br>\nthe printer is on fire.<br>\nPlease help.</p>\n<p>Carol</p>"
    )
    # Characters HTML cares about are text, escaped once.
    assert render_markdown("5 < 6 & 7 > 3") == "<p>5 &lt; 6 &amp; 7 &gt; 3</p>"


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "hi <script>alert(1)</script> there",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.com" onclick="alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<div style="position:fixed">x</div>',
        "<!-- comment --><b>raw</b>",
    ],
)
def test_raw_html_is_escaped_never_passed_through(text):
    html = render_markdown(text)
    tags = re.findall(r"<\s*([a-zA-Z]+)", html)
    assert set(tags) <= {"p", "br"}, html
    assert "&lt;" in html  # shown as the text that was written


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
    ],
)
def test_dangerous_urls_are_dropped(url):
    for text in (f"[click]({url})", f"![img]({url})", f"<{url}>"):
        html = render_markdown(text)
        assert not re.search(r'href="\s*(javascript|vbscript|data|file):', html, re.I), html
        assert "<img" not in html
        assert "onerror" not in html


def test_remote_images_are_links_never_loaded():
    html = render_markdown(
        '![a cat](https://tracker.example/pixel.gif "t") and ![](https://x.example/y.png)'
    )
    assert "<img" not in html
    assert f'<a href="https://tracker.example/pixel.gif" {LINK_ATTRS}>a cat</a>' in html
    assert f'<a href="https://x.example/y.png" {LINK_ATTRS}>https://x.example/y.png</a>' in html


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names |= {f"{tag}.{name}" for name, _ in attrs}


@pytest.mark.parametrize(
    "text",
    [
        '[x](https://example.com/"onmouseover="alert(1))',
        '[x](<https://example.com/a b> "t\\" onclick=\\"alert(1)")',
        "[x](https://example.com/ 't' onfocus=\"alert(1)\")",
        "1. a\n\n<ol start=1 onclick=alert(1)>",
    ],
)
def test_a_link_cannot_smuggle_attributes(text):
    parser = _Attributes()
    parser.feed(render_markdown(text))
    assert parser.names <= {"a.href", "a.title", "a.target", "a.rel", "ol.start"}


async def test_a_long_text_renders_off_the_event_loop_and_is_kept():
    text = "[" * 19_000 + " **end**"  # about a fifth of a second of pure-Python parsing
    task = asyncio.create_task(render_markdown_async(text))
    turns = 0
    while not task.done():
        await asyncio.sleep(0)  # the loop goes on turning while the text renders
        turns += 1
    assert turns > 10
    html = task.result()
    assert html.startswith("<p>[[[") and html.endswith("<strong>end</strong></p>")
    assert rendered_now(text) == html  # kept: the next reader waits for nothing
    assert await render_markdown_async(text) == html


def test_an_html_mail_reply_becomes_markdown_that_renders_back():
    """Inbound HTML mail is turned into Markdown-ish text (html2text) as before; that text is
    stored and renders with its emphasis, links and lists; the mail's own markup never passes."""
    text = html_to_text(
        '<div><p>Hi, <b>still broken</b> after the <a href="https://example.com/kb">steps</a>:'
        "</p><ul><li>unplugged</li><li>restarted</li></ul>"
        '<img src="https://tracker.example/p.gif"><script>x()</script></div>'
    )
    assert "**still broken**" in text
    html = render_markdown(text)
    assert "<strong>still broken</strong>" in html
    assert '<a href="https://example.com/kb"' in html
    assert "<li>unplugged</li>" in html
    assert "<img" not in html and "<script" not in html and "tracker.example" not in html
