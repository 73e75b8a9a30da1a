"""Every step of a complaint works with JavaScript switched off."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, expect

from .pages import (
    REFERENCE,
    attachment_file,
    choose,
    chosen,
    field,
    status_link,
    submit_button,
    wait_for_mail,
)

TYPED = "My order came without the charger. Order placed on Monday, delivered on Friday."


def test_complaint_without_javascript(no_js_context: BrowserContext, live_server) -> None:
    page = no_js_context.new_page()
    page.goto(live_server.at("/sv/complaint"))

    # A bad email: the server says what is wrong next to the field and keeps everything typed.
    field(page, "name").fill("Nils Holgersson")
    field(page, "email").fill("nils@")
    choose(page, "category", "service")
    choose(page, "desired_outcome", "refund")
    field(page, "description").fill(TYPED)
    field(page, "attachments").set_input_files([attachment_file("charger.png")])
    submit_button(page).click()

    expect(page.locator(".error-summary a[href='#email']")).to_be_visible()
    # Proof that no script ran: with JavaScript the summary would have taken the focus.
    expect(page.locator(".error-summary")).not_to_be_focused()
    expect(page.locator("main form .field.has-error:has(#email) .error-message")).to_be_visible()
    expect(field(page, "email")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "name")).to_have_value("Nils Holgersson")
    expect(field(page, "email")).to_have_value("nils@")
    expect(field(page, "description")).to_have_value(TYPED)
    assert chosen(page, "category") == "service"
    assert chosen(page, "desired_outcome") == "refund"
    # The file chosen before the error is kept (listed on the page), not silently dropped.
    expect(page.locator("main form")).to_contain_text("charger.png")

    field(page, "email").fill("nils@example.se")
    submit_button(page).click()
    reference_box = page.locator("main .reference")
    expect(reference_box).to_have_text(re.compile(rf"^\s*{REFERENCE}\s*$"))
    reference = reference_box.inner_text().strip()
    expect(page.locator("main .promise")).to_be_visible()

    page.goto(status_link(wait_for_mail(live_server.smtp.messages)))
    expect(page).to_have_url(live_server.at(f"/sv/case/{reference}"))
    expect(page.locator("main")).to_contain_text(TYPED)
    expect(page.get_by_role("link", name=re.compile("charger.png"))).to_be_visible()
