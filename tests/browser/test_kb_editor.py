"""The editors' workspace in Chromium: an editor writes an article, watches the live preview,
publishes it and readers find it by search within a second; axe-core finds no violations on
any page of the workspace."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from kb import articles
from kb.articles import TranslationContent
from kb.models import SearchLogEntry
from portal.services import Services
from portal.staff import accounts

from .pages import axe_check, png_bytes

PASSWORD = "correct horse battery staple"


def _seed(live_server) -> None:
    services = Services.build(live_server.settings)
    try:
        with services.write() as session:
            accounts.create_user(session, "eva@example.com", PASSWORD, ["editor"], "Eva Editor")
            articles.create_category(session, "returns", names={"en": "Returns", "sv": "Retur"})
            articles.create_translation(
                session,
                lang="en",
                key="return-label",
                author="seed",
                content=TranslationContent(
                    title="Printing a return label",
                    body_md="Print the label.\nTape it to the parcel.",
                    status="published",
                    category="returns",
                ),
            )
            session.add(SearchLogEntry(lang="en", query="klarna", result_count=0))
            session.add(SearchLogEntry(lang="en", query="refund", result_count=3))
    finally:
        services.close()


def _sign_in(page: Page, live_server) -> None:
    page.goto(live_server.at("/staff/kb"))
    page.get_by_label("Email address").fill("eva@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Articles")


def _found_within_a_second(page: Page, live_server, query: str, title: str) -> None:
    deadline = time.monotonic() + 1.0
    while True:
        page.goto(live_server.at(f"/en/search?q={query}"))
        if page.locator("#results h3 a", has_text=title).count():
            return
        assert time.monotonic() < deadline, f"{title!r} not found by {query!r} within a second"
        page.wait_for_timeout(50)


def test_an_editor_writes_previews_and_publishes_an_article_found_by_search(
    page: Page, live_server
) -> None:
    _seed(live_server)
    _sign_in(page, live_server)
    axe_check(page, "article list")

    page.get_by_role("link", name="New article").click()
    page.get_by_label("Title").fill("Descaling the espresso machine")
    page.get_by_label("Summary").fill("Keep the boiler clean.")
    page.get_by_label("Text", exact=True).press_sequentially(
        "## Every month\n\nRun citric acid through the boiler.", delay=5
    )
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Every month")).to_be_visible()
    expect(preview).to_contain_text("Run citric acid through the boiler.")
    axe_check(page, "new article with live preview")

    page.get_by_label("Image file (PNG, JPEG, GIF or WebP, up to 5 MB)").set_input_files(
        {"name": "boiler.png", "mimeType": "image/png", "buffer": png_bytes()}
    )
    page.get_by_label("Description of the image for people who cannot see it").fill("The boiler")
    page.get_by_role("button", name="Upload and insert").click()
    expect(page.get_by_label("Text", exact=True)).to_have_value(
        re.compile(r"!\[The boiler\]\(/kb-images/[\w-]+\.png\)")
    )

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("readers can find it now")
    axe_check(page, "edit a published article")
    _found_within_a_second(page, live_server, "citric", "Descaling the espresso machine")
    page.get_by_role("link", name="Descaling the espresso machine").click()
    expect(page.get_by_role("img", name="The boiler")).to_be_visible()


def test_the_workspace_pages_have_no_accessibility_violations(page: Page, live_server) -> None:
    _seed(live_server)
    _sign_in(page, live_server)
    page.get_by_role("link", name="Printing a return label").click()
    page.get_by_label("Text", exact=True).fill("Print the label.\nTape it firmly to the box.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your changes were saved.")

    page.get_by_role("link", name="Revisions").click()
    expect(page.locator("table.diff del")).to_contain_text("Tape it to the parcel.")
    axe_check(page, "revisions and diff")

    page.goto(live_server.at("/staff/kb/articles/return-label/sv?source=en"))
    expect(page.locator(".source-side")).to_contain_text("Tape it firmly to the box.")
    axe_check(page, "translation beside its source")

    for path, what in (
        ("/staff/kb?missing=sv", "list filtered"),
        ("/staff/kb/categories", "categories"),
        ("/staff/kb/synonyms/sv", "synonyms"),
        ("/staff/kb/insights?lang=en&days=30", "search insights"),
    ):
        page.goto(live_server.at(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_check(page, what)
