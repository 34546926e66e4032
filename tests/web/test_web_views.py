"""Saved views in the dashboard's sidebar (save, live count, open, rename, delete, a view an
admin shared) and the customer context (the client panel, the Clients page, a client's page)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.models import SavedView, TicketPriority, User
from app.services import saved_views, tickets
from app.services.ticket_list import TicketFilter
from tests.conftest import World
from tests.core.helpers import open_as as open_ticket
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_save_a_view_see_its_live_count_and_open_it(world: World, open_as: OpenAs) -> None:
    urgent = await open_ticket(world.client_a, world.dept_x, subject="Server down")
    calm = await open_ticket(world.client_b, world.dept_x, subject="Question about invoices")
    await tickets.update_ticket(
        actor=world.staff_x.actor, number=urgent.number, priority=TicketPriority.URGENT
    )
    page = await open_as(world.staff_x, "/admin/tickets?priority=URGENT")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    sidebar = page.get_by_role("complementary", name="Saved views")
    await expect(sidebar).to_contain_text("No saved views yet.")
    await sidebar.get_by_label("Save this list as").fill("Urgent work")
    await sidebar.get_by_role("button", name="Save view").click()
    view = sidebar.locator('li[data-view="Urgent work"]')
    await expect(view.locator(".count")).to_have_text("1")
    saved = await SavedView.get(owner_id=world.staff_x.id)
    assert saved_views.filter_of(saved).priorities == (TicketPriority.URGENT,)

    # Another ticket turns urgent elsewhere: the count follows, live.
    await tickets.update_ticket(
        actor=world.admin.actor, number=calm.number, priority=TicketPriority.URGENT
    )
    await expect(view.locator(".count")).to_have_text("2")

    # Opening the view from the unfiltered list shows its tickets.
    await page.goto("/admin/tickets?status=all")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(2)
    await sidebar.get_by_role("link", name="Urgent work").click()
    await expect(page).to_have_url(f"/admin/tickets?priority=URGENT&view={saved.id}")
    await expect(page.get_by_label("Priority")).to_have_value("URGENT")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(2)

    # Rename, refused first (an empty name), then deleted.
    await view.get_by_role("button", name="Rename").click()
    await view.get_by_label("New name").fill(" ")
    await view.get_by_role("button", name="Save name").click()
    await expect(view.get_by_role("alert")).to_contain_text("Name must not be empty")
    await view.get_by_label("New name").fill("On fire")
    await view.get_by_role("button", name="Save name").click()
    renamed = sidebar.locator('li[data-view="On fire"]')
    await expect(renamed.locator(".count")).to_have_text("2")
    page.once("dialog", lambda dialog: dialog.accept())
    await renamed.get_by_role("button", name="Delete").click()
    await expect(sidebar).to_contain_text("No saved views yet.")
    assert await SavedView.all().count() == 0


async def test_a_ticket_moved_out_of_the_department_leaves_the_count_and_list_live(
    world: World, open_as: OpenAs
) -> None:
    moving = await open_ticket(world.client_a, world.dept_x, subject="Wrong desk")
    await open_ticket(world.client_b, world.dept_x, subject="Right desk")
    await saved_views.save_view(actor=world.staff_x.actor, name="All mine", flt=TicketFilter())
    page = await open_as(world.staff_x, "/admin/tickets")
    view = page.get_by_role("complementary", name="Saved views").locator('li[data-view="All mine"]')
    await expect(view.locator(".count")).to_have_text("2")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(2)

    # Triage sends it to another department: it leaves Xavier's count and list, live.
    await tickets.update_ticket(
        actor=world.admin.actor, number=moving.number, department_id=world.dept_y.id
    )
    await expect(view.locator(".count")).to_have_text("1")
    await expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    await expect(page.locator("table.tickets")).not_to_contain_text("Wrong desk")


async def test_a_view_shared_with_a_department_counts_what_each_member_sees(
    world: World, open_as: OpenAs
) -> None:
    await open_ticket(world.client_a, world.dept_x, subject="In support")
    await open_ticket(world.client_a, world.dept_y, subject="In billing")
    view = await saved_views.save_view(
        actor=world.admin.actor, name="Everything open", flt=TicketFilter(), department_id=None
    )
    admin = await open_as(world.admin, "/admin/tickets")
    mine = admin.get_by_role("complementary", name="Saved views").locator(
        'li[data-view="Everything open"]'
    )
    await expect(mine.locator(".count")).to_have_text("2")
    await mine.get_by_label("Share with").select_option(label="Support")
    await expect(mine).to_contain_text("Shared with Support")
    assert (await SavedView.get(id=view.id)).department_id == world.dept_x.id

    xavier = await open_as(world.staff_x, "/admin/tickets")
    shared = xavier.get_by_role("complementary", name="Saved views").locator(
        'li[data-view="Everything open"]'
    )
    await expect(shared.locator(".count")).to_have_text("1")  # only the one in Support
    await expect(shared).to_contain_text("Shared with Support by Ada Admin")
    await expect(shared.get_by_role("button", name="Rename")).to_have_count(0)
    yolanda = await open_as(world.staff_y, "/admin/tickets")
    await expect(yolanda.get_by_role("complementary", name="Saved views")).to_contain_text(
        "No saved views yet."
    )


async def test_client_panel_clients_page_and_client_page(world: World, open_as: OpenAs) -> None:
    current = await open_ticket(world.client_a, world.dept_x, subject="Printer jam")
    other = await open_ticket(world.client_a, world.dept_x, subject="Toner low")
    hidden = await open_ticket(world.client_a, world.dept_y, subject="Invoice wrong")
    await open_ticket(world.client_b, world.dept_y, subject="Refund please")

    page = await open_as(world.staff_x, f"/admin/tickets/{current.number}")
    panel = page.get_by_role("region", name="Alice Client's other tickets")
    await expect(panel.locator(f'li[data-number="{other.number}"]')).to_contain_text("Toner low")
    await expect(panel).to_contain_text("Open: 1")
    # Nothing of the ticket in a department Xavier is not in.
    await expect(panel.locator("li[data-number]")).to_have_count(1)
    assert "Invoice wrong" not in await panel.inner_text()
    assert f"#{hidden.number}" not in await panel.inner_text()

    await panel.get_by_role("link", name="All of Alice Client's tickets").click()
    await expect(page.get_by_role("heading", name="Alice Client")).to_be_visible()
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(2)
    await expect(page.locator("main")).not_to_contain_text("Invoice wrong")

    await page.get_by_role("link", name="Clients", exact=True).first.click()
    await expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    clients = page.locator("table.clients tbody tr")
    await expect(clients).to_have_count(1)  # Bob has no ticket in Support
    await expect(clients.first).to_contain_text("alice@example.com")
    await page.get_by_role("searchbox", name="Search").fill("bob")
    await expect(page.locator("main")).to_contain_text("No clients match.")
    await page.goto(f"/admin/clients/{world.client_b.id}")
    await expect(page.get_by_role("heading", name="Client not found")).to_be_visible()
    # A malformed id is a client that is not there, like a missing one: no error about ids.
    for path in ("abc", "0", "99999", "1" * 40):
        await page.goto(f"/admin/clients/{path}")
        await expect(page.get_by_role("heading", name="Client not found")).to_be_visible()
        await expect(page.locator("main")).not_to_contain_text("not a valid id")

    # Admins see every client; clients reach none of it.
    admin = await open_as(world.admin, "/admin/clients")
    await expect(admin.locator("table.clients tbody tr")).to_have_count(2)
    client = await open_as(world.client_a, "/admin/clients")
    await expect(client.get_by_role("heading", name="Not for this account")).to_be_visible()
    assert "alice@example.com" not in await client.locator("main").inner_text()


async def test_a_shared_view_reads_as_german_in_german(world: World, open_as: OpenAs) -> None:
    """The trial saw "Geteilt mit Support by Ada Admin": the whole line is German."""
    await saved_views.save_view(
        actor=world.admin.actor, name="Alles", flt=TicketFilter(), department_id=world.dept_x.id
    )
    await User.filter(id=world.staff_x.id).update(language="de")
    page = await open_as(world.staff_x, "/admin/tickets")
    shared = page.get_by_role("complementary", name="Gespeicherte Ansichten").locator(
        'li[data-view="Alles"]'
    )
    await expect(shared).to_contain_text("Von Ada Admin geteilt mit Support")
    await expect(shared).not_to_contain_text(" by ")
