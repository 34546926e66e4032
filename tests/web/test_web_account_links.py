"""In the browser: forgetting one's password and choosing a new one from the mailed link,
signing up and confirming the address, and staff opening a ticket for a client who phoned.
Mail goes through the real account-mail job to a real SMTP server; the link is read from it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from arq import Worker
from playwright.async_api import expect

from app.config import Settings
from app.models import AuthToken, Ticket, User
from tests.conftest import World
from tests.core.test_account_links import link_token
from tests.mail_out.mailout_support import SmtpServer, mail_to, mail_worker
from tests.web.browser import OpenAs, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning"),
]


@pytest.fixture
async def mailer(settings: Settings, smtp: SmtpServer, world: World) -> AsyncIterator[Worker]:
    async with mail_worker(settings, smtp) as runner:
        yield runner


async def sign_in(page, email: str, password: str) -> None:
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def test_forgotten_password_reset_from_the_mailed_link(
    world: World, open_as: OpenAs, smtp: SmtpServer, mailer: Worker
) -> None:
    page = await open_as(None, "/login")
    await page.get_by_role("link", name="Forgot your password?").click()
    await expect(page).to_have_url("/forgot-password")
    await page.get_by_label("Email").fill("alice@example.com")
    await page.get_by_role("button", name="Mail me a link").click()
    await expect(page.locator("#forgot-done")).to_contain_text(
        "If an account has this address, we sent it a link"
    )

    token = link_token(await mail_to(smtp, "alice@example.com"), "password")
    await page.goto(f"/password#token={token}")
    await expect(page.get_by_role("heading", name="Choose a password")).to_be_visible()
    await page.get_by_label("New password").fill("short")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.get_by_text("Passwords need at least 8 characters.")).to_be_visible()
    await page.get_by_label("New password").fill("a-fresh-password")
    await page.get_by_role("button", name="Set password").click()
    await expect(page.locator("#password-done")).to_contain_text("Your password is set.")
    await screenshot(page, "password-reset")
    assert await AuthToken.filter(user_id=world.client_a.id, revoked_at=None).count() == 0

    # The link works once.
    again = await open_as(None, f"/password#token={token}")
    await again.get_by_label("New password").fill("yet-another-one")
    await again.get_by_role("button", name="Set password").click()
    await expect(again.get_by_text("This link is not valid any more")).to_be_visible()

    await page.get_by_role("link", name="Sign in").first.click()
    await expect(page).to_have_url("/login")
    await sign_in(page, "alice@example.com", "a-fresh-password")
    await expect(page).to_have_url("/client/tickets")


async def test_signing_up_and_confirming_the_address(
    world: World, open_as: OpenAs, smtp: SmtpServer, mailer: Worker
) -> None:
    page = await open_as(None, "/login")
    await page.get_by_role("link", name="Create an account").click()
    await expect(page).to_have_url("/signup")
    await page.get_by_label("Name").fill("Carol Newcomer")
    await page.get_by_label("Email").fill("carol@example.com")
    await page.get_by_label("Password").fill("carols-password")
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.locator("#signup-done")).to_contain_text("Check your mail")

    # Not before the address is confirmed.
    await page.goto("/login")
    await sign_in(page, "carol@example.com", "carols-password")
    await expect(page.get_by_role("alert")).to_contain_text("Confirm your email address first")
    # A wrong password says nothing about the account.
    await sign_in(page, "carol@example.com", "not-carols-password")
    await expect(page.get_by_role("alert")).to_contain_text("Email or password is wrong.")

    token = link_token(await mail_to(smtp, "carol@example.com"), "verify")
    await page.goto(f"/verify#token={token}")
    await page.get_by_role("button", name="Confirm my address").click()
    await expect(page.locator("#verify-done")).to_contain_text("Your address is confirmed.")
    await screenshot(page, "signup-verified")
    await page.get_by_role("link", name="Sign in").first.click()
    await sign_in(page, "carol@example.com", "carols-password")
    await expect(page).to_have_url("/client/tickets")
    assert (await User.get(email="carol@example.com")).email_verified


async def test_staff_open_a_ticket_for_a_client_who_phoned(
    world: World, open_as: OpenAs, smtp: SmtpServer, mailer: Worker
) -> None:
    page = await open_as(world.staff_x, "/admin/tickets")
    await page.get_by_role("link", name="Open a ticket for a client").click()
    await expect(page).to_have_url("/admin/tickets/new")
    await page.get_by_label("Client's email").fill("jo@example.com")
    await page.get_by_label("Subject").fill("Phoned: printer")
    await page.get_by_label("What the client asks").fill("The printer is on fire.")
    department = page.get_by_label("Department")
    options = await department.locator("option").all_inner_texts()
    assert "Billing" not in options  # only the staff member's own departments
    await department.select_option(label="Support")
    await page.get_by_role("button", name="Open ticket").click()
    await expect(page.get_by_text("The client's name must not be empty.")).to_be_visible()
    await page.get_by_label("Client's name").fill("Jo Caller")
    await page.get_by_role("button", name="Open ticket").click()
    await expect(page).to_have_url(re.compile(r"/admin/tickets/\d+$"))
    ticket = await Ticket.get(subject="Phoned: printer").select_related("client")
    assert ticket.client.email == "jo@example.com"
    await mail_to(smtp, "jo@example.com", 2)
    subjects = {m.header("Subject") for m in smtp.to("jo@example.com")}
    assert subjects == {f"[Ticket #{ticket.number}] Phoned: printer", "Your helpdesk account"}


async def test_the_browser_names_each_file_too_large_or_too_many_before_uploading(
    world: World, open_as: OpenAs, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "max_file_bytes", 1000)
    monkeypatch.setattr(settings, "max_files_per_message", 2)
    page = await open_as(world.client_a, "/client/tickets/new")
    await expect(page.get_by_role("heading", name="Open a ticket")).to_be_visible()
    files = [
        {"name": "big.log", "mimeType": "text/plain", "buffer": b"x" * 2000},
        {"name": "a.txt", "mimeType": "text/plain", "buffer": b"a"},
        {"name": "b.txt", "mimeType": "text/plain", "buffer": b"b"},
        {"name": "c.txt", "mimeType": "text/plain", "buffer": b"c"},
    ]
    await page.get_by_label("Attachments").set_input_files(files)
    refused = page.get_by_role("alert", name="Files not added")
    await expect(refused.get_by_role("listitem")).to_have_text(
        [
            "“big.log” was not added: it is larger than 1000 B (the limit for one file).",
            "“c.txt” was not added: a message may carry at most 2 files.",
        ]
    )
    chosen = page.get_by_role("list", name="Files to attach")
    await expect(chosen.get_by_role("listitem")).to_have_count(2)
