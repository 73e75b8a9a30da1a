"""The layout every page shares: accessible in every language, usable from the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal.i18n import gettext

from .pages import LANGS, axe_check


@pytest.mark.parametrize("lang", LANGS)
def test_home_page_is_accessible(page: Page, live_server, lang: str) -> None:
    response = page.goto(live_server.at(f"/{lang}/"))
    assert response is not None
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page, f"home page in {lang}")


@pytest.mark.parametrize("lang", LANGS)
def test_not_found_page_is_accessible_and_in_the_right_language(
    page: Page, live_server, lang: str
) -> None:
    response = page.goto(live_server.at(f"/{lang}/no-such-page"))
    assert response is not None
    assert response.status == 404
    expect(page.locator("html")).to_have_attribute("lang", lang)
    # The way out of a broken email link: a fresh link to the case.
    expect(page.locator("main a[href$='/track']")).to_have_attribute("href", f"/{lang}/track")
    axe_check(page, f"404 page in {lang}")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page, live_server) -> None:
    page.goto(live_server.at("/en/"))
    skip = page.locator("a[href='#main']")
    expect(skip).not_to_be_in_viewport()  # hidden until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # and then visible to sighted keyboard users
    expect(skip).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


def test_language_switcher_changes_language_and_keeps_the_page(page: Page, live_server) -> None:
    page.goto(live_server.at("/en/complaint"))
    switcher = page.get_by_role("navigation", name="Language")
    switcher.locator("a[hreflang='sv']").click()
    expect(page).to_have_url(live_server.at("/sv/complaint"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert page.title() == f"{gettext('sv', 'Report a problem')} · Svar"
    expect(page.locator("main form")).to_have_attribute("action", "/sv/complaint")
    current = page.locator("nav.lang-switch a[aria-current]")
    expect(current).to_have_attribute("hreflang", "sv")
    page.locator("nav.lang-switch a[hreflang='nb']").click()
    expect(page).to_have_url(live_server.at("/nb/complaint"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
