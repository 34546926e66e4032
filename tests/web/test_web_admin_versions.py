"""Two admins edit one department at once: the second Save, made on the version their page
loaded, is refused with "changed by someone else" and changes nothing; after a reload their
page shows the first admin's change and saves."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.models import Department
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_a_save_on_a_stale_admin_page_is_refused_until_reloaded(
    world: World, open_as: OpenAs
) -> None:
    dept = world.dept_x.id
    first = await open_as(world.admin, "/admin/departments")
    second = await open_as(world.admin, "/admin/departments")
    for page in (first, second):
        await expect(page.locator(f"#departments-{dept}-name")).to_have_value(world.dept_x.name)

    await first.locator(f"#departments-{dept}-name").fill("Support desk")
    form = first.locator(f"#departments-{dept}-name").locator("xpath=ancestor::form")
    await form.get_by_role("button", name="Save").click()
    await expect(form.get_by_role("status")).to_contain_text("Saved")
    assert (await Department.get(id=dept)).name == "Support desk"

    stale = second.locator(f"#departments-{dept}-name").locator("xpath=ancestor::form")
    await second.locator(f"#departments-{dept}-name").fill("Helpdesk")
    await stale.get_by_role("button", name="Save").click()
    await expect(stale).to_contain_text("changed by someone else")
    await expect(stale).to_contain_text("reload")
    row = await Department.get(id=dept)
    assert (row.name, row.version) == ("Support desk", 2)  # the second Save changed nothing

    await second.reload()
    await expect(second.locator(f"#departments-{dept}-name")).to_have_value("Support desk")
    await second.locator(f"#departments-{dept}-name").fill("Helpdesk")
    fresh = second.locator(f"#departments-{dept}-name").locator("xpath=ancestor::form")
    await fresh.get_by_role("button", name="Save").click()
    await expect(fresh.get_by_role("status")).to_contain_text("Saved")
    assert (await Department.get(id=dept)).name == "Helpdesk"
