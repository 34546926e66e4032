"""Markdown over the API: Message.bodyHtml beside the body as written, the preview query, and
which attachments are images (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import httpx

from app.services.markdown import RENDER_LIMIT_CHARS
from tests.attachments.helpers import Uploader
from tests.attachments.samples import pdf, png
from tests.conftest import GraphQLClient, World
from tests.core.helpers import OPEN_TICKET, REPLY, note_as, open_as

THREAD = """
query($number: Int!) { ticket(number: $number) {
  messages { edges { node { body bodyHtml internal
    attachments { filename contentType isImage url } } } } } }
"""
PREVIEW = """
query($body: String!) { renderMarkdown(body: $body) {
  __typename ... on RenderedMarkdown { html }
  ... on Error { message code field } } }
"""
CANNED = """
mutation($input: CannedResponseInput!) { createCannedResponse(input: $input) {
  __typename ... on CannedResponse { body bodyHtml } ... on Error { message code } } }
"""

WRITTEN = (
    "Hi **Alice**,\nplease try [this guide](https://example.com/guide).\n\n<script>x()</script>"
)


async def thread(gql: GraphQLClient, person, number: int) -> list[dict]:
    data = await gql.data(THREAD, {"number": number}, token=person.token)
    return [edge["node"] for edge in data["ticket"]["messages"]["edges"]]


async def test_messages_carry_sanitised_html_beside_the_body_as_written(
    gql: GraphQLClient, world: World
):
    opened = await gql.data(
        OPEN_TICKET,
        {
            "input": {
                "departmentId": str(world.dept_x.id),
                "subject": "Printer",
                "body": "It is\n*on fire*",
            }
        },
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]
    reply = await gql.data(
        REPLY, {"input": {"number": number, "body": WRITTEN}}, token=world.staff_x.token
    )
    assert reply["replyToTicket"]["__typename"] == "Message"
    ticket = await open_as(world.client_b, world.dept_x)  # another client's ticket, untouched
    await note_as(world.staff_x, ticket, "**secret**")

    for person in (world.client_a, world.staff_x, world.admin):
        first, second = await thread(gql, person, number)
        assert first["body"] == "It is\n*on fire*"
        assert first["bodyHtml"] == "<p>It is<br>\n<em>on fire</em></p>"
        assert second["body"] == WRITTEN  # the source is kept as written
        html = second["bodyHtml"]
        assert "Hi <strong>Alice</strong>,<br>" in html
        assert (
            '<a href="https://example.com/guide" target="_blank" '
            'rel="nofollow noopener noreferrer">this guide</a>'
        ) in html
        assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html

    # A note's HTML goes where the note goes: staff of the department, never a client.
    staff_thread = await thread(gql, world.staff_x, ticket.number)
    assert [m["bodyHtml"] for m in staff_thread if m["internal"]] == [
        "<p><strong>secret</strong></p>"
    ]
    client_thread = await thread(gql, world.client_b, ticket.number)
    assert [m for m in client_thread if m["internal"]] == []
    other = await gql.data(THREAD, {"number": ticket.number}, token=world.client_a.token)
    assert other["ticket"] is None
    other = await gql.data(THREAD, {"number": ticket.number}, token=world.staff_y.token)
    assert other["ticket"] is None


async def test_preview_renders_what_the_thread_will_show(gql: GraphQLClient, world: World):
    for person in (world.client_a, world.client_b, world.staff_x, world.staff_y, world.admin):
        data = await gql.data(PREVIEW, {"body": WRITTEN}, token=person.token)
        result = data["renderMarkdown"]
        assert result["__typename"] == "RenderedMarkdown"
        assert "<strong>Alice</strong>" in result["html"]
        assert "<script>" not in result["html"]
    empty = await gql.data(PREVIEW, {"body": "  "}, token=world.client_a.token)
    assert empty["renderMarkdown"] == {"__typename": "RenderedMarkdown", "html": ""}


async def test_preview_refusals_are_typed(gql: GraphQLClient, world: World):
    anonymous = (await gql.data(PREVIEW, {"body": "**x**"}))["renderMarkdown"]
    assert anonymous["__typename"] == "PermissionDenied"
    assert anonymous["code"] == "NOT_AUTHENTICATED"

    too_long = "x" * (100 * 1024 + 1)
    refused = (await gql.data(PREVIEW, {"body": too_long}, token=world.staff_x.token))[
        "renderMarkdown"
    ]
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "body"
    assert "100 KB" in refused["message"]

    # As for every query: a control character is refused before anything runs (tab, CR
    # and LF are text in a body).
    nul = await gql(PREVIEW, {"body": "a\x00b"}, token=world.client_a.token)
    assert nul["data"] is None
    assert nul["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "body"}
    tabbed = await gql.data(PREVIEW, {"body": "a\tb\r\nc"}, token=world.client_a.token)
    assert tabbed["renderMarkdown"]["html"] == "<p>a\tb<br>\nc</p>"


async def test_canned_responses_are_markdown_too(gql: GraphQLClient, world: World):
    data = await gql.data(
        CANNED,
        {"input": {"title": "Hi", "body": "Hello {{client_name}},\n**thanks**"}},
        token=world.admin.token,
    )
    assert data["createCannedResponse"] == {
        "__typename": "CannedResponse",
        "body": "Hello {{client_name}},\n**thanks**",
        "bodyHtml": "<p>Hello {{client_name}},<br>\n<strong>thanks</strong></p>",
    }


async def test_images_are_marked_as_such_and_only_they(
    gql: GraphQLClient, world: World, live_server: str
):
    async with httpx.AsyncClient(timeout=60) as http:
        up = Uploader(live_server, http)
        opened = await up.open_ticket(
            world.client_a,
            world.dept_x,
            [
                ("screen.png", png(), "image/png"),
                ("manual.pdf", pdf(), "application/pdf"),
                ("drawing.svg", png(), "image/svg+xml"),  # a PNG whatever it is called
            ],
        )
        assert opened["__typename"] == "Ticket", opened
        (message,) = await thread(gql, world.client_a, opened["number"])
        kinds = {a["filename"]: (a["contentType"], a["isImage"]) for a in message["attachments"]}
        assert kinds == {
            "screen.png": ("image/png", True),
            "manual.pdf": ("application/pdf", False),
            "drawing.svg.png": ("image/png", True),
        }
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        refused = await up.reply(
            world.client_a, opened["number"], [("x.svg", svg, "image/svg+xml")]
        )
        assert refused["__typename"] == "ValidationError"


async def test_a_long_message_renders_too(gql: GraphQLClient, world: World):
    long_body = "**Log:**\n" + "\n".join(f"line {i} of the log" for i in range(900))
    longer = "**Log:**\n" + "\n".join(f"line {i} of the log <b>" for i in range(2_000))
    assert len(long_body) <= RENDER_LIMIT_CHARS < len(longer)
    opened = await gql.data(
        OPEN_TICKET,
        {"input": {"departmentId": str(world.dept_x.id), "subject": "Log", "body": long_body}},
        token=world.client_a.token,
    )
    number = opened["openTicket"]["number"]
    await gql.data(REPLY, {"input": {"number": number, "body": longer}}, token=world.staff_x.token)
    for person in (world.client_a, world.staff_x):
        message, past_the_limit = await thread(gql, person, number)
        html = message["bodyHtml"]
        assert html.startswith("<p><strong>Log:</strong><br>\nline 0 of the log<br>")
        assert html.endswith("line 899 of the log</p>")
        # Past the limit: shown as written, escaped, preformatted.
        html = past_the_limit["bodyHtml"]
        assert html.startswith("<pre>**Log:**\nline 0 of the log &lt;b&gt;\nline 1 of")
        assert html.endswith("line 1999 of the log &lt;b&gt;</pre>")
