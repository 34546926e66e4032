"""The admin's inbound-mail page shows held mail with its reason and, on Read, what it says (as
text); Accept (after confirming) posts it on the ticket as its claimed sender, Reject (after
confirming) keeps it refused, and a rejected mail offers no Re-run."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from playwright.async_api import expect

from app.config import get_settings
from app.mail.inbound.process import process_inbound
from app.mail.inbound.store import store_message
from app.models import InboundMail, InboundStatus
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser


async def held(sender: str, number: int, body: str, message_id: str) -> InboundMail:
    """A reply that names the ticket only by "[Ticket #N]" in its subject: held."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "support@helpdesk.test"
    message["Subject"] = f"Re: [Ticket #{number}] Scanner jams"
    message["Message-ID"] = message_id
    message.set_content(body)
    stored = await store_message(bytes(message), transport="smtp", settings=get_settings())
    mail = await process_inbound(stored.id, notify=False, settings=get_settings())
    assert mail is not None and mail.status is InboundStatus.HELD
    return mail


async def test_admin_accepts_held_mail_and_it_lands_on_the_ticket(
    world: World, open_as: OpenAs
) -> None:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Scanner",
        body="Jams",
        settings=get_settings(),
    )
    number = opened.ticket.number
    good = await held("Alice Client <alice@example.com>", number, "It jams on A3 only.", "<a@x>")
    bad = await held(
        "Alice Client <alice@example.com>", number, "Wire me money. <b>now</b>", "<b@x>"
    )

    page = await open_as(world.admin, "/admin/inbound-mail")
    rows = page.locator('table.log tbody tr[data-status="HELD"]')
    await expect(rows).to_have_count(2)
    first = rows.filter(has_text=f"#{number}").first
    await expect(first).to_contain_text("only by the number in its subject")
    await expect(first).to_contain_text("nothing proves it is from alice@example.com")

    # Read before deciding: the body is shown as text, markup and all, never rendered.
    await page.get_by_role("button", name=f"Read mail {bad.id}").click()
    content = page.get_by_role("region", name=f"Content of mail {bad.id}")
    await expect(content).to_contain_text("Wire me money. <b>now</b>")
    await expect(content).to_contain_text("alice@example.com")
    await expect(content.locator("b")).to_have_count(0)

    dialog = page.get_by_role("dialog")
    await page.get_by_role("button", name=f"Reject mail {bad.id}").click()
    await expect(dialog).to_contain_text(f"Reject mail {bad.id}?")
    await expect(dialog).to_contain_text(f"From alice@example.com: Re: [Ticket #{number}]")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    assert (await InboundMail.get(id=bad.id)).status is InboundStatus.HELD  # nothing happened
    await page.get_by_role("button", name=f"Reject mail {bad.id}").click()
    await dialog.get_by_role("button", name="Reject", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text(f"Mail {bad.id} rejected: refused")
    await page.get_by_role("button", name=f"Accept mail {good.id}").click()
    await expect(dialog).to_contain_text(f"Accept mail {good.id}?")
    await dialog.get_by_role("button", name="Accept", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text(f"Mail {good.id} accepted: processed")
    # Rejected mail stays refused: no Re-run is offered for it.
    await expect(page.get_by_role("button", name=f"Re-run mail {bad.id}")).to_have_count(0)
    await expect(page.locator('table.log tbody tr[data-status="HELD"]')).to_have_count(0)
    await expect(page.locator('table.log tbody tr[data-status="REFUSED"]')).to_contain_text(
        "rejected by Ada Admin"
    )

    await (
        page.locator('table.log tbody tr[data-status="PROCESSED"]')
        .get_by_role("link", name=f"#{number}")
        .click()
    )
    await expect(page).to_have_url(f"/admin/tickets/{number}")
    await expect(page.locator("main")).to_contain_text("It jams on A3 only.")
    await expect(page.locator("main")).not_to_contain_text("Wire me money.")
