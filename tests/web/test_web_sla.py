"""SLA in the browser: an admin sets a policy on the Service levels page; the staff list and
ticket page count down to the due time and turn from at risk to breached on their own; the
client's pages show nothing of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import expect

from app.models import SlaPolicy
from tests.conftest import World
from tests.core.helpers import open_ago
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_countdown_turns_from_at_risk_to_breached_live(world: World, open_as: OpenAs) -> None:
    admin = await open_as(world.admin, "/admin/tickets")
    await admin.get_by_role("link", name="Service levels").click()
    form = admin.get_by_role("form", name="Set a policy")
    await form.get_by_label("Department").select_option(label="Support")
    await form.get_by_label("Priority").select_option(label="Medium")
    await form.get_by_label("First response (minutes)").fill("1")
    await form.get_by_label("First response counts").select_option(label="Calendar hours")
    await form.get_by_label("Next response (minutes)").fill("")
    await form.get_by_label("Resolution (minutes)").fill("")
    await form.get_by_label("At risk from (% of a target)").fill("50")
    await form.get_by_role("button", name="Save policy").click()
    policies = admin.locator("table.sla-policies")
    await expect(policies).to_contain_text("1 min (calendar)")
    await expect(policies).to_contain_text("50 %")
    policy = await SlaPolicy.get(department_id=world.dept_x.id)
    assert policy.first_response_minutes == 1 and not policy.first_response_business

    # Opened 40 seconds ago (the server's clock, moved): at risk now, due in 20 seconds.
    ticket = await open_ago(timedelta(seconds=40), world.client_a, world.dept_x)

    listing = await open_as(world.staff_x, "/admin/tickets?sort=SLA_DUE&dir=ASC")
    countdown = listing.locator(f'tr[data-number="{ticket.number}"] [data-sla]')
    await expect(countdown).to_have_attribute("data-sla", "AT_RISK")
    await expect(countdown).to_contain_text("left")
    page = await open_as(world.staff_x, f"/admin/tickets/{ticket.number}")
    panel = page.get_by_role("region", name="Service level")
    await expect(panel).to_contain_text("First response due")
    # Nobody answers: both turn red by themselves, without a reload.
    await expect(countdown).to_have_attribute("data-sla", "BREACHED", timeout=40_000)
    await expect(countdown).to_contain_text("over")
    await expect(panel.locator("h2 [data-sla]")).to_have_attribute(
        "data-sla", "BREACHED", timeout=40_000
    )
    # The breached filter keeps it.
    await listing.get_by_label("SLA").select_option(label="Breached")
    await expect(listing.locator(f'tr[data-number="{ticket.number}"]')).to_be_visible()

    # The client's pages show no SLA at all.
    mine = await open_as(world.client_a, "/client/tickets")
    await expect(mine.locator(f'tr[data-number="{ticket.number}"]')).to_be_visible()
    await expect(mine.locator("[data-sla]")).to_have_count(0)
    own = await open_as(world.client_a, f"/client/tickets/{ticket.number}")
    await expect(own.get_by_role("heading", name="Invoices missing")).to_be_visible()
    await expect(own.get_by_role("region", name="Service level")).to_have_count(0)


async def test_changing_one_target_keeps_the_others(world: World, open_as: OpenAs) -> None:
    """The form loads the chosen policy's values and version: saving a change to one target
    leaves the rest as they were; a department and priority without a policy start from the
    defaults."""
    admin = await open_as(world.admin, "/admin/sla")
    form = admin.get_by_role("form", name="Set a policy")
    await form.get_by_label("Department").select_option(label="Support")
    await form.get_by_label("Priority").select_option(label="High")
    await form.get_by_label("First response (minutes)").fill("30")
    await form.get_by_label("First response counts").select_option(label="Calendar hours")
    await form.get_by_label("Next response (minutes)").fill("90")
    await form.get_by_label("Resolution (minutes)").fill("600")
    await form.get_by_label("At risk from (% of a target)").fill("60")
    await form.get_by_role("button", name="Save policy").click()
    await expect(admin.get_by_role("status")).to_contain_text("Saved")
    policy = await SlaPolicy.get(department_id=world.dept_x.id)
    assert policy.version == 1

    # Reopened: the form shows the saved policy, not the defaults.
    await admin.reload()
    form = admin.get_by_role("form", name="Set a policy")
    await form.get_by_label("Department").select_option(label="Support")
    await form.get_by_label("Priority").select_option(label="High")
    await expect(form.get_by_label("First response (minutes)")).to_have_value("30")
    await expect(form.get_by_label("First response counts")).to_have_value("calendar")
    await expect(form.get_by_label("At risk from (% of a target)")).to_have_value("60")
    # Another priority has no policy: the defaults.
    await form.get_by_label("Priority").select_option(label="Low")
    await expect(form.get_by_label("First response (minutes)")).to_have_value("240")
    await expect(form.get_by_label("Priority")).to_be_focused()
    await form.get_by_label("Priority").select_option(label="High")
    await expect(form.get_by_label("Resolution (minutes)")).to_have_value("600")

    # Only the resolution target changes; the others are kept.
    await form.get_by_label("Resolution (minutes)").fill("720")
    await form.get_by_role("button", name="Save policy").click()
    await expect(admin.get_by_role("status")).to_contain_text("Saved")
    policy = await SlaPolicy.get(department_id=world.dept_x.id)
    assert (
        policy.first_response_minutes,
        policy.first_response_business,
        policy.next_response_minutes,
        policy.resolution_minutes,
        policy.at_risk_percent,
        policy.version,
    ) == (30, False, 90, 720, 60, 2)
    # The form now holds the saved version: a second change saves too.
    await expect(form.get_by_label("Resolution (minutes)")).to_have_value("720")
    await form.get_by_label("Next response (minutes)").fill("120")
    await form.get_by_role("button", name="Save policy").click()
    await expect(admin.get_by_role("status")).to_contain_text("Saved")
    policy = await SlaPolicy.get(department_id=world.dept_x.id)
    assert (policy.next_response_minutes, policy.resolution_minutes, policy.version) == (
        120,
        720,
        3,
    )
