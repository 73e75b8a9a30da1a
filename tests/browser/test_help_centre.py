"""The help centre in Chromium, on the demo content: search as you type and without JavaScript,
the header's suggestions, voting on an article, articles suggested on the complaint form, and
axe-core on every kind of help-centre page in every language."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from knowledge_support import copy_demo, demo_template  # noqa: F401 (a fixture)
from playwright.sync_api import BrowserContext, Page, expect

from .pages import LANGS, axe_check, field

SEARCHES = {"en": "refund", "sv": "leveranstid", "nb": "angrerett"}
ARTICLES = {"en": "delivery-times", "sv": "leveranstider", "nb": "leveringstid"}


@pytest.fixture
def sqlite_url(tmp_path: Path, demo_template: Path) -> str:  # noqa: F811
    """The live server's database and index: a copy of the demo help centre."""
    return copy_demo(demo_template, tmp_path)


def results(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#results ol.results h3 a")


def test_results_update_while_typing(page: Page, live_server) -> None:
    page.goto(live_server.at("/en/search"))
    loads = []
    page.on("load", lambda _: loads.append(1))

    page.locator("#q").press_sequentially("gift card", delay=40)

    expect(results(page).first).to_contain_text(re.compile("gift card", re.I))
    expect(page.locator("#search-status")).to_contain_text("gift card")
    expect(page).to_have_url(re.compile(r"/en/search\?q=gift\+card"))
    assert loads == [], "the page was not reloaded"
    expect(page.locator("#results mark").first).to_be_visible()

    page.locator("#category").select_option("gift-cards")
    expect(page).to_have_url(re.compile(r"category=gift-cards"))
    expect(results(page).first).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/en/search\?q=gift\+card$"))
    expect(page.locator("#q")).to_have_value("gift card")


def test_search_works_without_javascript(no_js_context: BrowserContext, live_server) -> None:
    page = no_js_context.new_page()
    page.goto(live_server.at("/sv/"))

    page.locator("main input[name='q']").fill("leveranstid")
    page.locator("main form[role='search'] button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/sv/search\?q=leveranstid"))
    expect(results(page).first).to_be_visible()
    results(page).first.click()
    expect(page.locator("h1")).to_be_visible()
    assert urlsplit(page.url).path.startswith("/sv/kb/")
    page.goto(live_server.at("/sv/search?q=leveranstid&page=1&category=delivery"))
    expect(results(page).first).to_be_visible()


def test_header_box_suggests_articles_and_keeps_the_keyboard_working(
    page: Page, live_server
) -> None:
    page.goto(live_server.at("/en/track"))
    box = page.locator("#site_search_q")

    box.press_sequentially("retu", delay=40)
    suggestions = page.locator("#site_search_results a")
    expect(suggestions.first).to_be_visible()
    assert suggestions.count() <= 6
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # the first suggestion
    expect(suggestions.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/en/kb/[a-z0-9-]+\?from=typeahead&pos=1"))

    page.locator("#site_search_q").fill("return")
    page.keyboard.press("Enter")  # Enter in the box is the full search, as without JavaScript
    expect(page).to_have_url(re.compile(r"/en/search\?q=return"))


def test_vote_no_then_comment_on_an_article(page: Page, live_server) -> None:
    page.goto(live_server.at("/nb/kb/leveringstid"))
    feedback = page.locator("#kb_feedback")

    feedback.locator("button[value='no']").click()

    comment = page.locator("#kb_comment")
    expect(comment).to_be_focused()
    assert urlsplit(page.url).path == "/nb/kb/leveringstid", "stayed on the page (htmx)"
    axe_check(page, "comment box after a no vote")
    comment.fill("Jeg fant ikke noe om Svalbard.")
    feedback.locator("button[type=submit]").click()
    expect(feedback.locator("[role=status]")).to_be_visible()


def test_vote_without_javascript(no_js_context: BrowserContext, live_server) -> None:
    page = no_js_context.new_page()
    page.goto(live_server.at("/en/kb/delivery-times"))

    page.locator("#kb_feedback button[value='yes']").click()

    expect(page.locator("#kb_feedback [role=status]")).to_be_visible()
    assert parse_qs(urlsplit(page.url).query) == {"feedback": ["thanks"]}


def test_language_switcher_on_an_article_opens_the_translation(page: Page, live_server) -> None:
    page.goto(live_server.at("/en/kb/delivery-times"))

    page.locator("nav.lang-switch a[hreflang='sv']").click()

    expect(page).to_have_url(live_server.at("/sv/kb/leveranstider"))
    expect(page.locator("h1")).to_be_visible()


def test_complaint_form_suggests_articles_while_typing(page: Page, live_server) -> None:
    page.goto(live_server.at("/en/complaint"))
    box = page.locator("#kb_suggestions")
    expect(box.locator("a")).to_have_count(0)

    field(page, "description").press_sequentially(
        "My parcel never arrived but tracking says delivered", delay=15
    )

    expect(box.locator("a").first).to_be_visible()
    assert 1 <= box.locator("a").count() <= 3
    expect(box.locator("a").first).to_have_attribute("target", "_blank")
    axe_check(page, "complaint form with suggestions")
    with page.context.expect_page() as opened:
        box.locator("a").first.click()
    expect(opened.value.locator("h1")).to_be_visible()
    expect(field(page, "description")).to_have_value(re.compile("tracking says delivered"))


@pytest.mark.parametrize("lang", LANGS)
def test_help_centre_pages_have_no_accessibility_violations(
    page: Page, live_server, lang: str
) -> None:
    pages = {
        "home": f"/{lang}/",
        "search": f"/{lang}/search?q={SEARCHES[lang]}",
        "search with pages": f"/{lang}/search?q=order",
        "topic": f"/{lang}/search?category=returns",
        "article": f"/{lang}/kb/{ARTICLES[lang]}",
        "no results": f"/{lang}/search?q=zorbulator",
    }
    for name, path in pages.items():
        response = page.goto(live_server.at(path))
        assert response is not None
        assert response.status == 200
        expect(page.locator("html")).to_have_attribute("lang", lang)
        axe_check(page, f"{name} page in {lang}")
    page.locator("#site_search_q").press_sequentially(SEARCHES[lang][:5], delay=40)
    expect(page.locator("#site_search_results li").first).to_be_visible()
    axe_check(page, f"header suggestions in {lang}")
