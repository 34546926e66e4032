"""Tags in the browser: an admin manages them, staff tag a ticket and filter the list by tags
(any / all), a change shows live on another staff page, and the client's pages show none."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.models import Tag, TicketTag
from app.services import tags, tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_tags_from_admin_page_to_ticket_list(world: World, open_as: OpenAs) -> None:
    admin = await open_as(world.admin, "/admin/tickets")
    await admin.get_by_role("link", name="Tags").click()
    new = admin.get_by_role("form", name="New tag")
    await new.get_by_label("Name").fill("Urgent")
    await new.get_by_label("Colour").fill("#cc0000")
    await new.get_by_role("button", name="Create tag").click()
    await expect(admin.get_by_role("form", name="Tag Urgent")).to_be_visible()
    # A clash (ignoring case) and a bad colour are typed errors at their fields.
    await new.get_by_label("Name").fill("URGENT")
    await new.get_by_label("Colour").fill("red")
    await new.get_by_role("button", name="Create tag").click()
    await expect(new.get_by_role("alert").first).to_be_visible()
    await expect(new).to_contain_text("exists already")
    await expect(new).to_contain_text("#rrggbb")
    assert await Tag.all().count() == 1
    # Renaming from the tag's own form.
    edit = admin.get_by_role("form", name="Tag Urgent")
    await edit.get_by_label("Name").fill("Hot")
    await edit.get_by_role("button", name="Save").click()
    await expect(admin.get_by_role("form", name="Tag Hot")).to_be_visible()
    await new.get_by_label("Name").fill("VIP")
    await new.get_by_label("Colour").fill("#ffdd00")
    await new.get_by_role("button", name="Create tag").click()
    await expect(admin.get_by_role("form", name="Tag VIP")).to_be_visible()

    settings = get_settings()
    first = (
        await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject="Printer on fire",
            body="Help",
            settings=settings,
        )
    ).ticket
    second = (
        await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject="Mouse is slow",
            body="Help",
            settings=settings,
        )
    ).ticket
    hot = await Tag.get(name="Hot")
    vip = await Tag.get(name="VIP")
    await tags.change_ticket_tags(actor=world.admin.actor, number=second.number, add=[vip.id])

    # Staff X tags the first ticket on its page; another staff page (the list) follows live.
    listing = await open_as(world.staff_x, "/admin/tickets")
    row = listing.locator(f'tr[data-number="{first.number}"]')
    await expect(row).to_be_visible()
    await expect(row.locator(".tag")).to_have_count(0)
    page = await open_as(world.staff_x, f"/admin/tickets/{first.number}")
    panel = page.get_by_role("region", name="Tags")
    await expect(panel).to_contain_text("No tags.")
    await panel.get_by_label("Add a tag").select_option(label="Hot")
    await expect(panel.get_by_role("button", name="Remove tag Hot")).to_be_visible()
    await panel.get_by_label("Add a tag").select_option(label="VIP")
    await expect(panel.get_by_role("button", name="Remove tag VIP")).to_be_visible()
    await expect(page.get_by_role("region", name="Audit trail")).to_contain_text("Tags")
    await expect(row.locator(".tag")).to_have_text(["Hot", "VIP"])
    await panel.get_by_role("button", name="Remove tag Hot").click()
    await expect(panel.get_by_role("button", name="Remove tag Hot")).to_have_count(0)
    await expect(row.locator(".tag")).to_have_text(["VIP"])
    assert [link.tag_id for link in await TicketTag.filter(ticket_id=first.id)] == [vip.id]
    await tags.change_ticket_tags(actor=world.admin.actor, number=first.number, add=[hot.id])
    await expect(row.locator(".tag")).to_have_text(["Hot", "VIP"])

    # The filter: any of Hot, VIP is both tickets; all of them only the first.
    rows = listing.locator("table.tickets tbody tr")
    await listing.get_by_label("Tags", exact=True).select_option(label=["Hot", "VIP"])
    await expect(rows).to_have_count(2)
    await listing.get_by_label("Match tags").select_option(label="All of them")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-number", str(first.number))
    assert "match=all" in listing.url

    # The client's pages show no tag, and no tag filter.
    client_list = await open_as(world.client_a, "/client/tickets")
    await expect(client_list.locator(f'tr[data-number="{first.number}"]')).to_be_visible()
    assert await client_list.locator(".tag, #filter-tags").count() == 0
    client_page = await open_as(world.client_a, f"/client/tickets/{first.number}")
    await expect(client_page.get_by_role("heading", name="Printer on fire")).to_be_visible()
    assert await client_page.locator(".tag").count() == 0
    assert "Hot" not in await client_page.locator("main").inner_text()


@pytest.mark.parametrize("color", ["#00ff00", "#ffdd00", "#1f5fbf", "#000000", "#ffffff"])
async def test_a_tag_chip_text_contrasts_with_its_colour(
    world: World, open_as: OpenAs, color: str
) -> None:
    """The trial saw white text on #00ff00 (1.4:1): the chip's text is black or white,
    whichever reaches the WCAG 4.5:1, measured from the colours the browser paints."""
    tag = await tags.create_tag(actor=world.admin.actor, name="Chip", color=color)
    number = (
        await tickets.open_ticket(
            actor=world.client_a.actor,
            department_id=world.dept_x.id,
            subject="Printer",
            body="Stuck",
            settings=get_settings(),
        )
    ).ticket.number
    await tags.change_ticket_tags(actor=world.admin.actor, number=number, add=[tag.id])
    page = await open_as(world.admin, "/admin/tickets")
    chip = page.locator('table.tickets .tag[data-tag="Chip"]')
    await expect(chip).to_be_visible()
    ratio = await chip.evaluate(
        """el => {
            const s = getComputedStyle(el);
            const lum = (c) => {
                const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map((v) => {
                    const x = Number(v) / 255;
                    return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
                });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const [a, b] = [lum(s.color), lum(s.backgroundColor)];
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }"""
    )
    assert ratio >= 4.5, (color, ratio)
