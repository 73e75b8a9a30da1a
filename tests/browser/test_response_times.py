"""Response-time settings in Chromium: an admin changes a target and a calendar, adds a closed day,
sees problems by their fields, and axe-core finds no violations on either page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from portal.services import Services
from portal.staff import accounts

from .pages import axe_check, axe_check_without_js

PASSWORD = "correct horse battery staple"


def _admin(live_server) -> None:
    services = Services.build(live_server.settings)
    try:
        with services.write() as session:
            accounts.create_user(session, "ada@example.com", PASSWORD, ["admin"], "Ada Admin")
    finally:
        services.close()


def test_an_admin_changes_targets_and_a_calendar(page: Page, live_server) -> None:
    _admin(live_server)
    page.goto(live_server.at("/staff/login"))
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="Response times").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response times")
    expect(page.locator("#preview-title")).to_be_visible()
    axe_check(page, "response times")

    first = page.get_by_label("First response within (A product, Normal)", exact=True)
    first.fill("0")
    page.get_by_role("button", name="Save targets").click()
    expect(page.locator(".error-summary")).to_contain_text("more than zero")
    expect(page.locator("#first-product-normal")).to_have_value("0")
    axe_check(page, "response times, with errors")

    page.locator("#first-product-normal").fill("3")
    page.get_by_role("button", name="Save targets").click()
    expect(page.get_by_role("status")).to_contain_text("The targets were saved.")

    page.get_by_role("link", name="Change Sweden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar: Sweden")
    axe_check(page, "calendar")

    page.get_by_label("Time zone").fill("Europe/Atlantis")
    page.get_by_role("button", name="Save calendar").click()
    expect(page.locator("#time_zone-error")).to_contain_text("not a time zone")
    axe_check(page, "calendar, with errors")
    page.get_by_label("Time zone").fill("Europe/Stockholm")
    page.get_by_role("button", name="Save calendar").click()
    expect(page.get_by_role("status")).to_contain_text("The calendar was saved.")

    page.get_by_label("Date", exact=True).fill("2031-03-04")
    page.get_by_label("Label (optional)").fill("Staff day")
    page.get_by_role("button", name="Add closed day").click()
    expect(page.get_by_role("status")).to_contain_text("The closed day was added.")
    expect(page.locator(".closed-days").first).to_contain_text("Staff day")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("status")).to_contain_text("The closed day was removed.")


def test_the_settings_work_without_javascript_in_swedish(no_js_context, live_server) -> None:
    _admin(live_server)
    no_js_context.set_extra_http_headers({"accept-language": "sv"})
    page = no_js_context.new_page()
    page.goto(live_server.at("/staff/login"))
    page.locator("#email").fill("ada@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit]").click()

    page.get_by_role("link", name="Svarstider").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Svarstider")
    page.locator("#resolution-billing-normal").fill("1")
    page.locator("#resolution-billing-normal-unit").select_option("hours")
    page.get_by_role("button", name="Spara målen").click()
    expect(page.locator("#resolution-billing-normal-error")).to_contain_text(
        "innan det har fått sitt första svar"
    )
    expect(page.locator("#resolution-billing-normal")).to_have_value("1")
    axe_check_without_js(page, "response times with an error, in Swedish")

    page.get_by_role("link", name="Ändra Norge").click()
    page.locator("#day-0-opens").fill("17:00")
    page.locator("#day-0-closes").fill("09:00")
    page.get_by_role("button", name="Spara kalendern").click()
    expect(page.locator("#day-0-closes-error")).to_contain_text("efter öppningstiden")
    expect(page.locator("#day-0-opens")).to_have_value("17:00")
    axe_check_without_js(page, "calendar with an error, in Swedish")
