"""Reply drafts in the browser: what is typed is back after a reload and in another browser,
sending clears it, leaving with unsent text asks first; a staff signature set on the account
page shows under the reply in the thread (staff and client pages)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Dialog, Page, expect

from app.config import get_settings
from app.models import Draft, Ticket, User
from app.services import tickets
from tests.conftest import World
from tests.web.browser import OpenAs

pytestmark = pytest.mark.browser

HALF = "Dear Alice, we are looking into"


async def a_ticket(world: World) -> int:
    opened = await tickets.open_ticket(
        actor=world.client_a.actor,
        department_id=world.dept_x.id,
        subject="Scanner offline",
        body="The scanner is offline again.",
        settings=get_settings(),
    )
    return opened.ticket.number


class Dialogs:
    """Accepts (or dismisses) every dialog the page opens; ``seen`` records their types."""

    def __init__(self, page: Page, accept: bool) -> None:
        self.seen: list[str] = []
        self.accept = accept
        page.on("dialog", self._answer)

    async def _answer(self, dialog: Dialog) -> None:
        self.seen.append(dialog.type)
        await (dialog.accept() if self.accept else dialog.dismiss())


async def type_into(page: Page, label: str, text: str) -> None:
    box = page.get_by_label(label)
    await box.click()  # a person's click: the page may then ask before unloading
    await box.press_sequentially(text)


async def test_a_draft_survives_a_reload_and_follows_the_agent_to_another_browser(
    world: World, open_as: OpenAs
) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await type_into(page, "Reply to the client", HALF)
    await expect(page.locator(".draft-status")).to_have_text("Draft saved")

    # Reloading with unsent text asks first (the browser's own question); leaving anyway,
    # the text is back.
    dialogs = Dialogs(page, accept=True)
    await page.reload()
    await expect(page.get_by_label("Reply to the client")).to_have_value(HALF)
    assert dialogs.seen == ["beforeunload"]

    # Another browser (no shared storage), the same account: the same draft.
    elsewhere = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await expect(elsewhere.get_by_label("Reply to the client")).to_have_value(HALF)
    # Someone else on the same ticket sees an empty box.
    admin = await open_as(world.admin, f"/admin/tickets/{number}")
    await expect(admin.locator(".thread")).to_contain_text("The scanner is offline again.")
    await expect(admin.get_by_label("Reply to the client")).to_have_value("")

    # Sending clears it, here and on the server: a reload brings back nothing.
    box = elsewhere.get_by_label("Reply to the client")
    await box.press_sequentially(" it.")
    await elsewhere.get_by_role("button", name="Send reply").click()
    await expect(elsewhere.locator(".thread")).to_contain_text(HALF + " it.")
    await expect(box).to_have_value("")
    ticket = await Ticket.get(number=number)
    assert not await Draft.filter(ticket_id=ticket.id).exists()
    quiet = Dialogs(elsewhere, accept=True)
    await elsewhere.reload()
    await expect(elsewhere.locator(".thread")).to_contain_text(HALF + " it.")
    await expect(elsewhere.get_by_label("Reply to the client")).to_have_value("")
    assert quiet.seen == [], "nothing unsent: leaving asks nothing"


async def test_a_draft_sent_from_another_browser_is_not_kept_in_this_one(
    world: World, open_as: OpenAs
) -> None:
    """Two windows on one ticket, both showing the draft; one sends it. The other's box empties
    (live) instead of keeping the sent text, which it would save back as a draft that could be
    sent twice; text typed in the other window since is its own and stays."""
    number = await a_ticket(world)
    first = await open_as(world.client_a, f"/client/tickets/{number}")
    await type_into(first, "Your reply", "It blinks orange")
    await expect(first.locator(".draft-status")).to_have_text("Draft saved")
    second = await open_as(world.client_a, f"/client/tickets/{number}")
    await expect(second.get_by_label("Your reply")).to_have_value("It blinks orange")

    await first.get_by_role("button", name="Send reply").click()
    await expect(first.get_by_label("Your reply")).to_have_value("")
    await expect(second.locator(".thread")).to_contain_text("It blinks orange")
    await expect(second.get_by_label("Your reply")).to_have_value("")
    await second.get_by_label("Your reply").press_sequentially("!")
    await expect(second.locator(".draft-status")).to_have_text("Draft saved")
    assert [d.body for d in await Draft.all()] == ["!"]

    # Text typed here after the draft was restored is this window's own: it stays.
    await type_into(first, "Your reply", "Also the fan")
    await expect(first.locator(".draft-status")).to_have_text("Draft saved")
    await second.get_by_label("Your reply").press_sequentially(" and a beep")
    await first.get_by_role("button", name="Send reply").click()
    await expect(second.locator(".thread")).to_contain_text("Also the fan")
    await expect(second.get_by_label("Your reply")).to_have_value("! and a beep")


async def test_a_note_draft_comes_back_as_a_note(world: World, open_as: OpenAs) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await page.get_by_label("Internal note instead of a reply").check()
    await type_into(page, "Internal note (staff only)", "Printer vendor called back")
    await expect(page.locator(".draft-status")).to_have_text("Draft saved")
    again = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await expect(again.get_by_label("Internal note (staff only)")).to_have_value(
        "Printer vendor called back"
    )
    await expect(again.get_by_label("Internal note instead of a reply")).to_be_checked()


async def test_a_clients_draft_is_kept_too(world: World, open_as: OpenAs) -> None:
    number = await a_ticket(world)
    page = await open_as(world.client_a, f"/client/tickets/{number}")
    await type_into(page, "Your reply", "It blinks orange")
    await expect(page.locator(".draft-status")).to_have_text("Draft saved")
    again = await open_as(world.client_a, f"/client/tickets/{number}")
    await expect(again.get_by_label("Your reply")).to_have_value("It blinks orange")


async def test_navigating_away_with_unsent_text_asks_first(world: World, open_as: OpenAs) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await type_into(page, "Reply to the client", HALF)
    nav = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tickets", exact=True
    )

    # "Stay": the page and the text stay.
    stayed = Dialogs(page, accept=False)
    await nav.click()
    await expect(page.get_by_label("Reply to the client")).to_have_value(HALF)
    assert stayed.seen == ["confirm"]
    assert page.url.endswith(f"/admin/tickets/{number}")

    # "Leave": the list opens.
    left = await open_as(world.staff_x, f"/admin/tickets/{number}")
    await expect(left.get_by_label("Reply to the client")).to_have_value(HALF)  # the draft
    asked = Dialogs(left, accept=True)
    await (
        left.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Tickets", exact=True)
        .click()
    )
    await expect(left.get_by_role("heading", level=1)).to_contain_text("Tickets")
    assert asked.seen == ["confirm"]


async def test_a_signature_set_on_the_account_page_shows_under_the_reply(
    world: World, open_as: OpenAs
) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, "/account")
    # Typed once, as soon as the box takes input: the box must keep it (the stored signature
    # loading, or loading again, never replaces what was typed), and Save stores it.
    box = page.get_by_label("Added under your replies to clients")
    await box.fill("Sam Staff\n**Support desk**, Example Ltd")
    await page.get_by_role("button", name="Save signature").click()
    await expect(page.get_by_role("status").filter(has_text="Signature saved.")).to_be_visible()
    await expect(box).to_have_value("Sam Staff\n**Support desk**, Example Ltd")
    assert (
        await User.get(id=world.staff_x.id)
    ).signature == "Sam Staff\n**Support desk**, Example Ltd"

    await page.goto(f"/admin/tickets/{number}")
    await page.get_by_label("Reply to the client").fill("Try turning it off and on.")
    await page.get_by_role("button", name="Send reply").click()
    reply = page.locator(".thread li.message").filter(has_text="Try turning it off and on.")
    await expect(reply.locator(".signature")).to_contain_text("Support desk, Example Ltd")
    await expect(reply.locator(".signature")).to_contain_text("--")
    # Markdown, rendered as the body is: bold shows bold, the asterisks do not show.
    await expect(reply.locator(".signature strong")).to_have_text("Support desk")
    await expect(reply.locator(".signature")).not_to_contain_text("**")
    # Notes are not signed.
    await page.get_by_label("Internal note instead of a reply").check()
    await page.get_by_label("Internal note (staff only)").fill("Vendor ticket 42")
    await page.get_by_role("button", name="Add internal note").click()
    note = page.locator(".thread li.message").filter(has_text="Vendor ticket 42")
    await expect(note).to_be_visible()
    await expect(note.locator(".signature")).to_have_count(0)

    client = await open_as(world.client_a, f"/client/tickets/{number}")
    seen = client.locator(".thread li.message").filter(has_text="Try turning it off and on.")
    await expect(seen.locator(".signature")).to_contain_text("Sam Staff")


async def test_an_admin_sees_and_edits_a_signature_on_the_staff_editor(
    world: World, open_as: OpenAs
) -> None:
    world.staff_x.user.signature = "Sam"
    await world.staff_x.user.save(update_fields=["signature"])
    page = await open_as(world.admin, "/admin/staff")
    card = page.locator(
        ".cards > li", has=page.get_by_role("heading", name=world.staff_x.user.name)
    )
    field = card.get_by_label("Signature (Markdown, under their replies to clients)")
    await expect(field).to_have_value("Sam")
    # The memberships load after the card: once they are in, the form takes no later record
    # (which would replace what is typed).
    await expect(card.get_by_role("checkbox", name="Support")).to_be_checked()
    await field.fill("Sam Staff\nTeam lead")
    await expect(field).to_have_value("Sam Staff\nTeam lead")
    await card.get_by_role("button", name="Save").click()
    await expect(card.get_by_role("status")).to_contain_text("Saved")
    assert (await User.get(id=world.staff_x.id)).signature == "Sam Staff\nTeam lead"
    # Too long: the error is shown at the field and nothing changes.
    await field.fill("x" * 1001)
    await card.get_by_role("button", name="Save").click()
    await expect(card).to_contain_text("at most 1000 characters")
    assert (await User.get(id=world.staff_x.id)).signature == "Sam Staff\nTeam lead"


async def test_going_back_with_unsent_text_asks_first(world: World, open_as: OpenAs) -> None:
    number = await a_ticket(world)
    page = await open_as(world.staff_x, "/admin/tickets")
    await page.get_by_role("link", name="Scanner offline").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Scanner offline")
    await type_into(page, "Reply to the client", HALF)
    dialogs = Dialogs(page, accept=False)
    await page.go_back()
    # "Stay": the address comes back to the ticket, and the text is still there.
    await expect(page).to_have_url(re.compile(f"/admin/tickets/{number}$"))
    await expect(page.get_by_label("Reply to the client")).to_have_value(HALF)
    assert dialogs.seen == ["confirm"]
    # "Leave": Back goes to the list.
    dialogs.accept = True
    await page.go_back()
    await expect(page).to_have_url(re.compile("/admin/tickets$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Tickets")
    assert dialogs.seen == ["confirm", "confirm"]
