"""Canned responses in the browser: a staff member keeps personal ones (editing them, an unknown
placeholder refused with the known ones), sees the shared ones but cannot change them."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.infra.clock import now
from app.models import CannedResponse
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_staff_keep_personal_canned_responses(world: World, open_as: OpenAs) -> None:
    await CannedResponse.create(title="Global thanks", body="Thanks!", created_at=now())
    page = await open_as(world.staff_x, "/admin/tickets")
    await page.get_by_role("link", name="Canned responses").click()
    await expect(page).to_have_url("/admin/canned")
    shared = page.locator(".cards li", has_text="Global thanks")
    await expect(shared).to_contain_text("All departments")
    await expect(shared.get_by_role("button", name="Save")).to_have_count(0)

    new = page.get_by_role("form", name="New canned response")
    await new.get_by_label("Title").fill("My sign-off")
    await new.get_by_label("Text").fill("Cheers, {{staffname}}")
    await new.get_by_role("button", name="Add canned response").click()
    await expect(new.get_by_text("Unknown placeholder {{staffname}}.")).to_be_visible()
    await new.get_by_label("Text").fill("Cheers, {{staff_name}}")
    await new.get_by_role("button", name="Add canned response").click()
    mine = page.get_by_role("form", name="Canned response My sign-off")
    await expect(mine).to_be_visible()
    row = await CannedResponse.get(title="My sign-off")
    assert row.owner_id == world.staff_x.id

    await mine.get_by_label("Text").fill("Best, {{staff_name}}")
    await mine.get_by_role("button", name="Save").click()
    await expect(mine.get_by_role("status")).to_have_text("Saved")
    assert (await CannedResponse.get(id=row.id)).body == "Best, {{staff_name}}"

    # Nobody else sees it.
    other = await open_as(world.staff_y, "/admin/canned")
    await expect(other.get_by_role("heading", name="Global thanks")).to_be_visible()
    await expect(other.get_by_text("My sign-off")).to_have_count(0)
