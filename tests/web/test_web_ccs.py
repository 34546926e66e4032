"""CC and followers in the browser: a client copies a colleague on a new ticket and on the
ticket page (a refused address is shown at the field), the staff page shows it live, and a
staff member follows the ticket."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.models import Ticket, TicketCc, TicketFollower
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def cc_emails(ticket: Ticket) -> list[str]:
    links = await TicketCc.filter(ticket_id=ticket.id).select_related("contact").order_by("id")
    return [link.contact.email for link in links]


async def test_a_client_copies_colleagues_and_staff_follow(world: World, open_as: OpenAs) -> None:
    client = await open_as(world.client_a, "/client/tickets/new")
    await client.get_by_label("Department").select_option(label="Support")
    await client.get_by_label("Subject").fill("VPN down")
    await client.get_by_label("Message").fill("Since this morning.")
    await client.get_by_label("CC (optional)").fill("Carl Colleague <carl@customer.example>")
    await client.get_by_role("button", name="Open ticket").click()
    cc = client.get_by_role("region", name="CC", exact=True)
    await expect(cc).to_contain_text("Carl Colleague <carl@customer.example>")
    ticket = await Ticket.get(subject="VPN down")
    assert await cc_emails(ticket) == ["carl@customer.example"]

    # The staff page shows the CC, and follows the client's changes live.
    staff = await open_as(world.staff_x, f"/admin/tickets/{ticket.number}")
    staff_cc = staff.get_by_role("region", name="CC", exact=True)
    await expect(staff_cc).to_contain_text("carl@customer.example")

    # Staff's own address is refused at the field, and nothing changes.
    await cc.get_by_label("Add to CC").fill("xavier@example.com")
    await cc.get_by_role("button", name="Add").click()
    await expect(cc.get_by_role("alert")).to_contain_text("cannot be copied on a ticket")
    assert await cc_emails(ticket) == ["carl@customer.example"]

    await cc.get_by_label("Add to CC").fill("dora@customer.example")
    await cc.get_by_role("button", name="Add").click()
    await expect(cc).to_contain_text("dora@customer.example")
    await expect(staff_cc).to_contain_text("dora@customer.example")  # live
    await cc.get_by_role("button", name="Remove carl@customer.example from CC").click()
    await expect(cc).not_to_contain_text("carl@customer.example")
    await expect(staff_cc).not_to_contain_text("carl@customer.example")
    assert await cc_emails(ticket) == ["dora@customer.example"]

    # Staff follow the ticket; the client's page has no follow button.
    follow = staff.get_by_role("region", name="Followers")
    await expect(follow).to_contain_text("Nobody follows this ticket.")
    await follow.get_by_role("button", name="Follow").click()
    await expect(follow).to_contain_text("Followed by Xavier Staff.")
    await expect(follow.get_by_role("button", name="Unfollow")).to_be_visible()
    assert await TicketFollower.filter(ticket_id=ticket.id).count() == 1
    await expect(client.get_by_role("region", name="Followers")).to_have_count(0)
    await follow.get_by_role("button", name="Unfollow").click()
    await expect(follow).to_contain_text("Nobody follows this ticket.")
    assert await TicketFollower.filter(ticket_id=ticket.id).count() == 0
