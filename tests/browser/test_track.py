"""Following a case: reference + email sends a fresh status link, and says the same otherwise."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .pages import (
    LANGS,
    REFERENCE,
    axe_check,
    field,
    status_link,
    submit_button,
    wait_for_mail,
)


def file_complaint(page: Page, live_server, lang: str, email: str) -> str:
    page.goto(live_server.at(f"/{lang}/complaint"))
    field(page, "email").fill(email)
    field(page, "description").fill("The invoice charges me twice for the same order.")
    submit_button(page).click()
    reference_box = page.locator("main .reference")
    expect(reference_box).to_have_text(re.compile(rf"^\s*{REFERENCE}\s*$"))
    return reference_box.inner_text().strip()


@pytest.mark.parametrize("lang", LANGS)
def test_track_page_sends_a_fresh_link(page: Page, new_context, live_server, lang: str) -> None:
    email = f"tracker.{lang}@example.com"
    reference = file_complaint(page, live_server, lang, email)
    first_link = status_link(wait_for_mail(live_server.smtp.messages, 1))

    page.goto(live_server.at(f"/{lang}/track"))
    expect(page.locator("html")).to_have_attribute("lang", lang)
    axe_check(page, f"track page in {lang}")
    submit_button(page).click()
    expect(page.locator(".error-summary a[href='#reference']")).to_be_visible()
    expect(page.locator(".error-summary a[href='#email']")).to_be_visible()
    axe_check(page, f"track page with errors in {lang}")

    # A wrong email: the page answers exactly as it would for a match, and nothing is sent.
    field(page, "reference").fill(reference)
    field(page, "email").fill("someone.else@example.com")
    submit_button(page).click()
    answer_for_wrong = page.locator("main").inner_text()

    page.goto(live_server.at(f"/{lang}/track"))
    field(page, "reference").fill(reference.lower())  # read aloud, typed in lower case
    field(page, "email").fill(email.upper())
    submit_button(page).click()
    answer_for_match = page.locator("main").inner_text()
    assert answer_for_match == answer_for_wrong
    axe_check(page, f"track page after sending in {lang}")

    fresh = wait_for_mail(live_server.smtp.messages, 2)
    assert len(live_server.smtp.messages) == 2, "the wrong email address got no link"
    assert f"[{reference}]" in fresh["Subject"]
    fresh_link = status_link(fresh)
    assert fresh_link != first_link
    elsewhere = new_context().new_page()  # a browser that never saw the case
    elsewhere.goto(fresh_link)
    expect(elsewhere).to_have_url(live_server.at(f"/{lang}/case/{reference}"))
    expect(elsewhere.locator("main h1")).to_contain_text(reference)
