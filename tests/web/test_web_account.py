"""The Account page: any signed-in user changes their password; their other sessions end."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from app.auth.tokens import issue_token, resolve_token
from app.models import TokenKind, User
from tests.conftest import World
from tests.web.browser import OpenAs, screenshot

pytestmark = pytest.mark.browser


async def test_changing_ones_password_on_the_account_page(world: World, open_as: OpenAs) -> None:
    elsewhere, _ = await issue_token(await User.get(id=world.client_a.id), TokenKind.SESSION)
    page = await open_as(world.client_a, "/client/tickets")
    await page.get_by_role("link", name="Account").click()
    await expect(page).to_have_url("/account")
    await expect(page.get_by_role("heading", name="Account")).to_be_visible()
    await expect(page.get_by_text("alice@example.com")).to_be_visible()

    form = page.get_by_role("form", name="Change password")
    await form.get_by_label("Current password").fill("not-my-password")
    await form.get_by_label("New password", exact=True).fill("a-better-password")
    await form.get_by_label("New password again").fill("a-better-password")
    await form.get_by_role("button", name="Change password").click()
    await expect(form.get_by_text("The current password is wrong.")).to_be_visible()
    await expect(form.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")

    await form.get_by_label("Current password").fill("password123")
    await form.get_by_label("New password again").fill("a-different-one")
    await form.get_by_role("button", name="Change password").click()
    await expect(form.get_by_text("The two new passwords differ.")).to_be_visible()

    await form.get_by_label("New password again").fill("a-better-password")
    await form.get_by_role("button", name="Change password").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Password changed. 1 other session was signed out."
    )
    await screenshot(page, "account")
    assert await resolve_token(elsewhere) is None
    # This browser's session stays signed in.
    await page.reload()
    await expect(page.get_by_role("heading", name="Account")).to_be_visible()

    # The new password signs in; the old one does not.
    fresh = await open_as(None, "/login")
    await fresh.get_by_label("Email").fill("alice@example.com")
    await fresh.get_by_label("Password").fill("password123")
    await fresh.get_by_role("button", name="Sign in").click()
    await expect(fresh.get_by_role("alert")).to_be_visible()
    await fresh.get_by_label("Password").fill("a-better-password")
    await fresh.get_by_role("button", name="Sign in").click()
    await expect(fresh).to_have_url("/client/tickets")


async def test_the_account_page_is_for_signed_in_users(world: World, open_as: OpenAs) -> None:
    page = await open_as(None, "/account")
    await expect(page).to_have_url("/login?next=%2Faccount")
    staff = await open_as(world.staff_x, "/account")
    await expect(staff.get_by_role("heading", name="Account")).to_be_visible()
    await expect(staff.get_by_role("form", name="Change password")).to_be_visible()
