"""Signing in and out, the admin pages, the client's own pages, and who may open which."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.mail.inbound.process import process_inbound
from app.mail.inbound.store import store_message
from app.models import CannedResponse, Department, InboundStatus, Role, User
from app.services import settings as helpdesk_settings
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def test_sign_in_with_the_keyboard_and_out_again(world: World, open_as: OpenAs) -> None:
    page = await open_as(None, "/client/tickets")
    await expect(page).to_have_url("/login?next=%2Fclient%2Ftickets")
    await page.get_by_label("Email").focus()
    await page.keyboard.type("alice@example.com")
    await page.keyboard.press("Tab")
    await page.keyboard.type("wrong password")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_be_visible()
    await page.get_by_label("Password").fill("password123")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url("/client/tickets")
    await expect(page.get_by_role("heading", name="My Tickets")).to_be_visible()
    # The session lives in an HttpOnly cookie that scripts cannot read.
    assert "helpdesk_session" not in await page.evaluate("document.cookie")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url("/login")
    await page.goto("/client/tickets")
    await expect(page).to_have_url("/login?next=%2Fclient%2Ftickets")

    # Staff land on the dashboard; a client who follows a staff link is told it is not theirs.
    staff = await open_as(None, "/login")
    await staff.get_by_label("Email").fill("xavier@example.com")
    await staff.get_by_label("Password").fill("password123")
    await staff.get_by_role("button", name="Sign in").click()
    await expect(staff).to_have_url("/admin/tickets")
    client = await open_as(world.client_a, "/admin/tickets")
    await expect(client.get_by_role("heading", name="Not for this account")).to_be_visible()
    assert "table" not in await client.locator("main").inner_html()
    staff_on_admin = await open_as(world.staff_x, "/admin/departments")
    await expect(staff_on_admin.get_by_role("heading", name="Not for this account")).to_be_visible()


async def test_admin_pages(world: World, open_as: OpenAs) -> None:
    page = await open_as(world.admin, "/admin/departments")
    new = page.get_by_role("form", name="New department")
    await new.get_by_label("Name").fill("Hardware")
    await new.get_by_label("Mail address (optional)").fill("hardware@helpdesk.test")
    await new.get_by_label("Close tickets waiting on the client after (days, optional)").fill("3")
    await new.get_by_role("button", name="Create department").click()
    await expect(page.get_by_role("form", name="Department Hardware")).to_be_visible()
    hardware = await Department.get(name="Hardware")
    assert (hardware.email, hardware.auto_close_days) == ("hardware@helpdesk.test", 3)
    # A clash is a typed error shown at the field, and changes nothing.
    await new.get_by_label("Name").fill("Support")
    await new.get_by_role("button", name="Create department").click()
    await expect(new.get_by_role("alert")).to_contain_text("A department with that name exists")
    assert await Department.filter(name="Support").count() == 1

    await page.get_by_role("link", name="Staff").click()
    new = page.get_by_role("form", name="New staff member")
    await new.get_by_label("Name").fill("Hana Hardware")
    await new.get_by_label("Email").fill("hana@example.com")
    await new.get_by_label("Password (at least 8 characters)").fill("hardware-123")
    await new.get_by_label("Hardware").check()
    await new.get_by_role("button", name="Add staff member").click()
    card = page.locator(".cards > li", has=page.get_by_role("heading", name="Hana Hardware"))
    await expect(card).to_contain_text("Departments: Hardware")
    hana = await User.get(email="hana@example.com")
    assert hana.role is Role.STAFF
    assert [d.name for d in await hana.departments.all()] == ["Hardware"]
    # Moving Xavier to Hardware as well.
    xavier = page.get_by_role("form", name="Staff member Xavier Staff")
    await xavier.get_by_label("Hardware").check()
    await xavier.get_by_role("button", name="Save").click()
    await expect(xavier.get_by_role("status")).to_have_text("Saved")
    xavier_user = await User.get(id=world.staff_x.id)
    assert sorted(d.name for d in await xavier_user.departments.all()) == ["Hardware", "Support"]

    await page.get_by_role("link", name="Canned responses").click()
    new = page.get_by_role("form", name="New canned response")
    await new.get_by_label("Title").fill("Reboot")
    await new.get_by_label("Text").fill("Hi {{client_name}}, please reboot it.")
    await new.get_by_label("Department").select_option(label="Hardware")
    await new.get_by_role("button", name="Add canned response").click()
    await expect(page.locator(".cards")).to_contain_text("Hi {{client_name}}, please reboot it.")
    assert (await CannedResponse.get(title="Reboot")).department_id == hardware.id

    await page.get_by_role("link", name="Settings").click()
    days = page.get_by_label("Close tickets waiting on the client after (days)")
    await expect(days).to_have_value("7")
    await days.fill("5000")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert")).to_have_text("Days must be between 0 (off) and 3650.")
    assert await helpdesk_settings.auto_close_days(default=get_settings().auto_close_days) == 7
    await days.fill("10")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status")).to_have_text("Saved")
    assert await helpdesk_settings.auto_close_days(default=get_settings().auto_close_days) == 10


def mail_from(sender: str, to: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{subject.replace(' ', '.')}@mail.example.com>"
    message.set_content(body)
    return bytes(message)


async def test_inbound_mail_log_and_rerun(world: World, open_as: OpenAs) -> None:
    # Mail from a deactivated client is refused; once they are active again, a re-run takes it.
    await User.filter(id=world.client_a.id).update(active=False)
    raw = mail_from("alice@example.com", "support@helpdesk.test", "Screen flickers", "Since today.")
    stored = await store_message(raw, transport="smtp", settings=get_settings())
    refused = await process_inbound(stored.id, notify=False, settings=get_settings())
    assert refused is not None and refused.status is InboundStatus.REFUSED

    page = await open_as(world.admin, "/admin/inbound-mail")
    row = page.locator(f'table.log tbody tr[data-status="{InboundStatus.REFUSED.name}"]')
    await expect(row).to_contain_text("Screen flickers")
    await expect(row).to_contain_text("deactivated")
    await User.filter(id=world.client_a.id).update(active=True)
    await row.get_by_role("button", name="Re-run").click()
    await expect(page.get_by_role("status")).to_contain_text("processed")
    done = page.locator('table.log tbody tr[data-status="PROCESSED"]')
    await expect(done).to_contain_text("Screen flickers")
    number = int((await done.get_by_role("link").inner_text()).lstrip("#"))
    ticket = await tickets.get_ticket(actor=world.admin.actor, number=number)
    assert ticket.subject == "Screen flickers"


async def test_client_pages_and_closing(world: World, open_as: OpenAs) -> None:
    mine = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_y.id,
        subject="Refund",
        body="Please",
        settings=get_settings(),
    )
    theirs = await tickets.open_ticket(
        actor=world.client_b.actor,
        department_id=world.dept_x.id,
        subject="Bob's",
        body="Hi",
        settings=get_settings(),
    )
    page = await open_as(world.client_a, "/client/tickets")
    rows = page.locator("table.tickets tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Refund")
    # Another client's ticket does not exist as far as Alice can tell.
    await page.goto(f"/client/tickets/{theirs.ticket.number}")
    await expect(page.get_by_role("heading", name="Ticket not found")).to_be_visible()
    await page.goto(f"/client/tickets/{mine.ticket.number}")
    await page.get_by_role("button", name="Close ticket").click()
    await page.get_by_role("dialog").get_by_role("button", name="Close ticket").click()
    await expect(page.locator(".ticket-status")).to_contain_text("Closed")
    # A reply box that is empty sends nothing.
    await expect(page.get_by_role("button", name="Send reply")).to_be_disabled()


async def test_the_staff_page_comes_a_page_at_a_time(world: World, open_as: OpenAs) -> None:
    """Sixty staff members: the first page shows the admins and 50 staff, "Next" the other
    10, each with the departments it belongs to (however many members a department has)."""
    from app.infra import clock

    await User.bulk_create(
        [
            User(
                name=f"Team Member {i:02d}",
                email=f"member{i}@example.com",
                role=Role.STAFF,
                created_at=clock.now(),
            )
            for i in range(60)
        ]
    )
    await world.dept_y.staff.add(*await User.filter(email__startswith="member"))
    page = await open_as(world.admin, "/admin/staff")
    cards = page.locator(".cards > li")
    await expect(cards).to_have_count(51)  # Ada Admin and 50 of the 62 staff
    await expect(cards.first).to_contain_text("Ada Admin")
    pager = page.get_by_role("navigation", name="Pages")
    await pager.get_by_role("button", name="Next →").click()
    await expect(cards).to_have_count(12)
    await expect(cards.last).to_contain_text("Yolanda Staff")
    last = page.locator(".cards > li", has=page.get_by_role("heading", name="Team Member 59"))
    await expect(last).to_contain_text("Departments: Billing")
    await expect(pager.get_by_role("button", name="Next →")).to_be_disabled()
    await pager.get_by_role("button", name="← Previous").click()
    await expect(cards).to_have_count(51)
