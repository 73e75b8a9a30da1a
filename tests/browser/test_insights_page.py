"""The insights page in Chromium: its filters and a custom range work with JavaScript switched
off, and axe-core finds no violations on it (charts, tables and the form)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import BrowserContext, Page, expect

from portal.cases.models import Case
from portal.cases.reference import new_reference
from portal.services import Services
from portal.staff import accounts

from .pages import axe_check, axe_check_without_js

PASSWORD = "correct horse battery staple"


def _world(live_server) -> None:
    """An admin who is also an agent, and a week of complaints in two categories."""
    services = Services.build(live_server.settings)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        with services.write() as session:
            accounts.create_user(session, "ada@example.com", PASSWORD, ["admin", "agent"], "Ada")
            for i in range(8):
                created = now - timedelta(days=i, hours=1)
                session.add(
                    Case(
                        reference=new_reference(),
                        lang="sv" if i % 2 else "en",
                        email="anna@example.com",
                        category="product" if i % 3 else "service",
                        channel="phone" if i == 2 else "web",
                        description="The parcel arrived broken",
                        created_at=created,
                        updated_at=created,
                        promised_at=created + timedelta(hours=9),
                        first_response_at=created + timedelta(hours=2) if i else None,
                        satisfaction=5 if i % 2 else None,
                    )
                )
    finally:
        services.close()


def _sign_in(page: Page, live_server) -> None:
    page.goto(live_server.at("/staff/login?next=/staff/insights"))
    page.get_by_label("Email address").fill("ada@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_the_filters_work_without_javascript(no_js_context: BrowserContext, live_server) -> None:
    _world(live_server)
    page = no_js_context.new_page()
    _sign_in(page, live_server)
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    categories = page.locator("#table-categories")
    expect(categories).to_contain_text("A product")

    # A channel filter: only the phone complaint (a product one) is left.
    page.get_by_label("Channel", exact=True).select_option("phone")
    page.get_by_role("button", name="Show insights").click()
    expect(page).to_have_url(re.compile(r"[?&]channel=phone"))
    expect(categories.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_label("Channel", exact=True)).to_have_value("phone")

    # A custom range the wrong way round: the message sits by the field, the dates stay.
    page.get_by_label("Period", exact=True).select_option("custom")
    page.get_by_label("First day", exact=True).fill("2026-03-08")
    page.get_by_label("Last day", exact=True).fill("2026-03-01")
    page.get_by_role("button", name="Show insights").click()
    expect(page.locator("#to-error")).to_contain_text("on or after the first day")
    expect(page.get_by_label("First day", exact=True)).to_have_value("2026-03-08")
    expect(page.get_by_label("Channel", exact=True)).to_have_value("phone")
    axe_check_without_js(page, "insights, a custom range with an error")


def test_the_insights_page_has_no_accessibility_violations(page: Page, live_server) -> None:
    _world(live_server)
    _sign_in(page, live_server)
    expect(page.locator("svg[role=img]").first).to_be_visible()
    axe_check(page, "insights")
    page.get_by_label("Period", exact=True).select_option("7")
    page.get_by_role("button", name="Show insights").click()
    axe_check(page, "insights, last 7 days")
