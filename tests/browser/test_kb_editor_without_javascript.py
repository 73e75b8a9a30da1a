"""The article editor in a browser without JavaScript, in Swedish: a new article saved without a
title is refused beside the field with the text kept, Preview shows the text as readers will see
it, and Publish publishes; axe-core finds nothing on each state, as that browser shows it."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, expect

from portal.services import Services
from portal.staff import accounts

from .pages import axe_check_without_js

PASSWORD = "correct horse battery staple"


def test_an_editor_writes_previews_and_publishes_without_javascript(
    no_js_context: BrowserContext, live_server
) -> None:
    services = Services.build(live_server.settings)
    try:
        with services.write() as session:
            accounts.create_user(session, "eva@example.com", PASSWORD, ["editor"], "Eva Editor")
    finally:
        services.close()
    no_js_context.set_extra_http_headers({"accept-language": "sv"})
    page = no_js_context.new_page()
    page.goto(live_server.at("/staff/kb/new?lang=sv"))
    page.locator("#email").fill("eva@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/kb/new\?lang=sv$"))

    page.locator("#body").fill("Skicka tillbaka varan **inom 30 dagar**.")
    page.locator("button[name=action][value=save]").click()
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#body")).to_have_value("Skicka tillbaka varan **inom 30 dagar**.")
    axe_check_without_js(page, "new article without a title, in Swedish")

    page.locator("#title").fill("Returer")
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("#preview strong")).to_have_text("inom 30 dagar")
    axe_check_without_js(page, "new article with its preview, in Swedish")

    page.locator("button[name=action][value=publish]").click()
    expect(page).to_have_url(re.compile(r"/staff/kb/articles/[\w-]+/sv"))
    expect(page.get_by_role("status")).to_be_visible()
    axe_check_without_js(page, "published article, in Swedish")
