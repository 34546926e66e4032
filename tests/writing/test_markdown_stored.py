"""Messages keep their HTML: rendered and sanitised when written (messages.body_html and
signature_html), rendered once and stored when a message written before is first read, and
read back as stored, just as inert (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from app.models import Message
from app.services.markdown import ALLOWED_TAGS, RENDER_LIMIT_CHARS, render_markdown
from tests.conftest import GraphQLClient, World
from tests.core.helpers import REPLY, open_as
from tests.writing.test_markdown_api import thread

PAYLOAD = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)>\n"
    "[click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=)\n"
    '<a href="https://evil.example" onclick="alert(4)">x</a> ![pixel](https://evil.example/p.gif)'
)
SIGNATURES = """
query($number: Int!) { ticket(number: $number) {
  messages { edges { node { signature signatureHtml } } } } }
"""
THREAD_SIGNED = """
query($number: Int!) { ticket(number: $number) {
  messages { edges { node { body bodyHtml signature signatureHtml } } } } }
"""


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {f"{tag}.{name}" for name, _ in attrs}
        self.hrefs += [value or "" for name, value in attrs if name == "href"]


def assert_inert(html: str) -> None:
    """Only allow-listed tags and attributes, links only to http(s) pages."""
    markup = _Markup()
    markup.feed(html)
    assert markup.tags <= ALLOWED_TAGS, html
    assert markup.attributes <= {"a.href", "a.title", "a.target", "a.rel", "ol.start"}, html
    assert all(href.startswith(("https://", "http://")) for href in markup.hrefs), html


async def test_a_payload_is_stored_sanitised_and_read_back_as_stored(
    gql: GraphQLClient, world: World
):
    ticket = await open_as(world.client_a, world.dept_x)
    world.staff_x.user.signature = "**Sam** <script>alert(5)</script>"
    await world.staff_x.user.save(update_fields=["signature"])
    sent = await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": PAYLOAD}}, token=world.staff_x.token
    )
    assert sent["replyToTicket"]["__typename"] == "Message"

    row = await Message.get(id=int(sent["replyToTicket"]["id"]))
    assert row.body == PAYLOAD  # the source as written
    assert row.body_html == render_markdown(PAYLOAD)
    assert_inert(row.body_html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in row.body_html
    assert row.signature_html == "<p><strong>Sam</strong> &lt;script&gt;alert(5)&lt;/script&gt;</p>"

    for person in (world.client_a, world.staff_x, world.admin):
        data = await gql.data(THREAD_SIGNED, {"number": ticket.number}, token=person.token)
        reply = data["ticket"]["messages"]["edges"][-1]["node"]
        assert reply["bodyHtml"] == row.body_html
        assert reply["signatureHtml"] == row.signature_html
        assert_inert(reply["bodyHtml"])
    # Stored HTML goes no further than the message: others still see nothing of the ticket.
    for person in (world.client_b, world.staff_y):
        data = await gql.data(THREAD_SIGNED, {"number": ticket.number}, token=person.token)
        assert data["ticket"] is None


async def test_a_message_written_before_renders_once_when_read_and_is_stored(
    gql: GraphQLClient, world: World
):
    ticket = await open_as(world.client_a, world.dept_x, body="It is\n*on fire* <b>now</b>")
    await Message.filter(ticket_id=ticket.id).update(body_html=None, signature_html=None)

    (first,) = await thread(gql, world.staff_x, ticket.number)
    assert first["bodyHtml"] == "<p>It is<br>\n<em>on fire</em> &lt;b&gt;now&lt;/b&gt;</p>"
    (row,) = await Message.filter(ticket_id=ticket.id)
    assert row.body_html == first["bodyHtml"]  # stored by that first read
    (again,) = await thread(gql, world.client_a, ticket.number)
    assert again["bodyHtml"] == first["bodyHtml"]


async def test_an_old_signed_reply_gets_its_signature_stored_on_first_read(
    gql: GraphQLClient, world: World
):
    ticket = await open_as(world.client_a, world.dept_x)
    world.staff_x.user.signature = "Sam\n*Support*"
    await world.staff_x.user.save(update_fields=["signature"])
    await gql.data(
        REPLY, {"input": {"number": ticket.number, "body": "Done."}}, token=world.staff_x.token
    )
    await Message.filter(ticket_id=ticket.id).update(body_html=None, signature_html=None)

    data = await gql.data(SIGNATURES, {"number": ticket.number}, token=world.client_a.token)
    asked, reply = (edge["node"] for edge in data["ticket"]["messages"]["edges"])
    assert asked["signatureHtml"] is None and asked["signature"] is None
    assert reply["signatureHtml"] == "<p>Sam<br>\n<em>Support</em></p>"
    stored = await Message.filter(ticket_id=ticket.id).order_by("id")
    assert [m.signature_html for m in stored] == [None, "<p>Sam<br>\n<em>Support</em></p>"]
    assert [m.body_html for m in stored] == [None, None]  # the body was not asked for


@pytest.mark.parametrize("filler", ["[", "![", "<script>", "a\n", "| x |\n"])
def test_a_text_past_the_limit_shows_as_written_and_inert(filler: str):
    text = filler * (RENDER_LIMIT_CHARS // len(filler) + 1) + "<img src=x onerror=alert(1)>"
    assert len(text) > RENDER_LIMIT_CHARS
    html = render_markdown(text)
    assert html.startswith("<pre>") and html.endswith("</pre>") and html.count("<") == 2
    assert_inert(html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_the_limit_is_where_markdown_stops():
    under = "*a*" + "x" * (RENDER_LIMIT_CHARS - 3)
    assert render_markdown(under).startswith("<p><em>a</em>xxx")
    assert render_markdown(under + "x") == f"<pre>{under}x</pre>"
