"""Markdown in the browser: **bold** shows bold on the staff and the client page, the composer's
Preview shows the server's rendering, nothing written as HTML runs, and an image attachment
shows as a thumbnail that another client cannot load."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from app.config import get_settings
from app.services import tickets
from tests.attachments.samples import png
from tests.conftest import World
from tests.web.browser import OpenAs, screenshot

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__xss=1"> [click](javascript:window.__xss=2)'


async def no_script_ran(page: Page) -> None:
    assert await page.evaluate("window.__xss === undefined"), "markup in a message ran"


async def test_markdown_preview_bold_and_thumbnails_on_both_pages(
    world: World, open_as: OpenAs
) -> None:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Screen flickers",
        body="It flickers.\nEvery few seconds.",
        settings=get_settings(),
    )
    number = opened.ticket.number
    staff = await open_as(world.staff_x, f"/admin/tickets/{number}")
    client = await open_as(world.client_a, f"/client/tickets/{number}")

    # An old plain message keeps its line break.
    first = staff.locator(".thread .message").first
    await expect(first.locator(".body br")).to_have_count(1)
    await expect(first.locator(".body")).to_have_text("It flickers.\nEvery few seconds.")

    # Staff write Markdown and preview it before sending: the server renders it.
    box = staff.get_by_label("Reply to the client")
    await box.fill(
        f"Please **restart** the screen, see [the guide](https://example.com/guide).\n\n{XSS}"
    )
    await staff.get_by_role("button", name="Preview").click()
    preview = staff.get_by_role("region", name="Preview")
    await expect(preview.locator("strong")).to_have_text("restart")
    await expect(preview.get_by_role("link", name="the guide")).to_have_attribute(
        "target", "_blank"
    )
    await expect(box).to_be_hidden()
    await no_script_ran(staff)
    await screenshot(staff, "markdown-preview")
    # Back to writing: the text is still there; sending empties the box and the preview.
    await staff.get_by_role("button", name="Write").click()
    await expect(box).to_be_visible()
    await expect(box).to_have_value(re.compile(r"^Please \*\*restart\*\*"))
    await staff.get_by_role("button", name="Send reply").click()
    await expect(box).to_have_value("")
    await expect(preview).to_have_count(0)

    # Bold on both pages (the client's arrives live), the link opens a new tab, no script ran.
    for page in (staff, client):
        reply = page.locator(".thread .message").nth(1)
        await expect(reply.locator(".body strong")).to_have_text("restart")
        link = reply.get_by_role("link", name="the guide")
        await expect(link).to_have_attribute("href", "https://example.com/guide")
        await expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
        await expect(reply.locator(".body")).to_contain_text('<img src=x onerror="window.__xss=1">')
        await expect(reply.locator(".body img")).to_have_count(0)
        await expect(reply.locator('.body a[href^="javascript"]')).to_have_count(0)
        await no_script_ran(page)

    # The client previews too, and attaches a screenshot: a thumbnail on both pages.
    client_box = client.get_by_label("Your reply")
    await client_box.fill("Still *flickers*, screenshot attached.")
    await client.get_by_role("button", name="Preview").click()
    await expect(client.get_by_role("region", name="Preview").locator("em")).to_have_text(
        "flickers"
    )
    await client.get_by_role("button", name="Write").click()
    await client.get_by_label("Attachments").set_input_files(
        {"name": "screen.png", "mimeType": "image/png", "buffer": png()}
    )
    await client.get_by_role("button", name="Send reply").click()
    await expect(client_box).to_have_value("")

    for page in (client, staff):
        message = page.locator(".thread .message").nth(2)
        await expect(message.locator(".body em")).to_have_text("flickers")
        thumbnail = message.get_by_role("list", name="Images").get_by_role("img", name="screen.png")
        await expect(thumbnail).to_be_visible()
        await expect(thumbnail).to_have_attribute("loading", "lazy")
        await page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=await thumbnail.element_handle()
        )
        box_size = await thumbnail.bounding_box()
        assert box_size is not None and box_size["width"] <= 160 and box_size["height"] <= 120
        opens = message.get_by_role("list", name="Images").get_by_role("link")
        await expect(opens).to_have_attribute("target", "_blank")
    await screenshot(client, "markdown-thumbnail")

    # Another client cannot load the image: the download answers 404, the <img> stays empty.
    url = await client.get_by_role("img", name="screen.png").get_attribute("src")
    assert url
    other = await open_as(world.client_b, "/client/tickets")
    response = await other.request.get(url)
    assert response.status == 404
    loaded = await other.evaluate(
        """url => new Promise(done => {
            const img = new Image();
            img.onload = () => done(img.naturalWidth);
            img.onerror = () => done(-1);
            img.src = url;
        })""",
        url,
    )
    assert loaded == -1
    staff_y = await open_as(world.staff_y, "/admin/tickets")
    assert (await staff_y.request.get(url)).status == 404
    mine = await client.request.get(url)
    assert mine.status == 200 and mine.headers["content-type"] == "image/png"


async def test_a_new_ticket_is_previewed_and_opens_formatted(world: World, open_as: OpenAs) -> None:
    client = await open_as(world.client_a, "/client/tickets/new")
    await client.get_by_label("Department").select_option(label="Support")
    await client.get_by_label("Subject").fill("Invoice wrong")
    message = client.get_by_label("Message")
    await message.fill("The total is **wrong**:\n\n- item one\n- item two")
    await client.get_by_role("button", name="Preview").click()
    preview = client.get_by_role("region", name="Preview")
    await expect(preview.locator("strong")).to_have_text("wrong")
    await expect(preview.locator("li")).to_have_count(2)
    await expect(message).to_be_hidden()
    await client.get_by_role("button", name="Open ticket").click()
    await expect(client).to_have_url(re.compile(r"/client/tickets/\d+$"))
    first = client.locator(".thread .message").first
    await expect(first.locator(".body strong")).to_have_text("wrong")
    await expect(first.locator(".body li")).to_have_count(2)
