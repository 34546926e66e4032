"""Triage: staff move a ticket to any department; the page says beforehand that moving it out
of their own departments loses them access, and afterwards they no longer see it."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.models import Ticket
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_staff_move_a_ticket_out_of_their_department(world: World, open_as: OpenAs) -> None:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Refund for last month",
        body="I was charged twice.",
        settings=get_settings(),
    )
    number = opened.ticket.number

    # An admin works every department: nothing is marked.
    admin = await open_as(world.admin, f"/admin/tickets/{number}")
    await expect(admin.get_by_label("Department").locator("option")).to_have_count(2)
    admin_choices = await admin.get_by_label("Department").locator("option").all_inner_texts()
    assert sorted(admin_choices) == ["Billing", "Support"]
    await expect(admin.locator("#ticket-department-hint")).to_have_count(0)

    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    department = page.get_by_label("Department")
    await expect(department.locator("option")).to_have_count(2)
    choices = await department.locator("option").all_inner_texts()
    assert sorted(choices) == ["Billing (you will lose access)", "Support"]
    await expect(page.locator("#ticket-department-hint")).to_contain_text(
        "you will no longer see it"
    )
    await department.select_option(label="Billing (you will lose access)")

    await expect(page.get_by_text(f"There is no ticket #{number} that you may see")).to_be_visible()
    moved = await Ticket.get(number=number)
    assert moved.department_id == world.dept_y.id
    billing = await open_as(world.staff_y, f"/admin/tickets/{number}")
    await expect(billing.get_by_role("heading", level=1)).to_contain_text("Refund for last month")
