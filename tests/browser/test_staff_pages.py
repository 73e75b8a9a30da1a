"""The back office in Chromium: signing in with a password and a code, the admin pages, and no
accessibility violations on any staff page (axe-core)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from portal.services import Services
from portal.staff import accounts, totp

from .pages import axe_check

PASSWORD = "correct horse battery staple"


def _staff(live_server, email: str, roles: list[str], name: str) -> None:
    services = Services.build(live_server.settings)
    try:
        with services.write() as session:
            accounts.create_user(session, email, PASSWORD, roles, name)
    finally:
        services.close()


def _sign_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.at("/staff/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_admin_pages_have_no_accessibility_violations(page: Page, live_server) -> None:
    _staff(live_server, "ada@example.com", ["admin", "editor", "agent"], "Ada Admin")

    page.goto(live_server.at("/staff/users"))
    expect(page).to_have_url(re.compile(r"/staff/login\?next=/staff/users$"))
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill("wrong password entirely")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_contain_text("not right")
    axe_check(page, "sign-in with an error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    axe_check(page, "users")

    page.get_by_role("link", name="Add a user").click()
    page.get_by_role("button", name="Add user").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_check(page, "add a user, with errors")

    page.get_by_label("Email address").fill("olle@example.com")
    page.get_by_label("Name", exact=True).fill("Olle Agent")
    page.get_by_label(re.compile("^Agent")).check()
    page.get_by_label("First password").fill(PASSWORD)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("status")).to_contain_text("The account was created.")
    axe_check(page, "one user")

    page.get_by_role("link", name="Audit log").first.click()
    expect(page.locator("tbody tr").first).to_contain_text("user.create")
    axe_check(page, "audit log")

    page.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada Admin")
    axe_check(page, "overview")

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    axe_check(page, "signed out")


def test_two_step_sign_in_in_the_browser(page: Page, live_server) -> None:
    _staff(live_server, "olle@example.com", ["agent"], "Olle Agent")
    _sign_in(page, live_server, "olle@example.com")
    page.get_by_role("link", name="Olle Agent").click()
    axe_check(page, "account")

    page.get_by_role("button", name="Set up two-step sign-in").click()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    axe_check(page, "two-step set-up")
    page.get_by_label("Six-digit code").fill(totp.code_at(secret, _now()))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("status")).to_contain_text("Two-step sign-in is on.")

    page.get_by_role("button", name="Sign out", exact=True).click()
    _sign_in(page, live_server, "olle@example.com")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    axe_check(page, "code step")
    # The code used to turn it on is spent; the app's next code is already accepted (±30 s).
    page.get_by_label("Six-digit code").fill(totp.code_for_step(secret, totp.step_at(_now()) + 1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Olle Agent")

    page.goto(live_server.at("/staff/users"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    axe_check(page, "no access")


def _now() -> datetime:
    return datetime.now(UTC)
