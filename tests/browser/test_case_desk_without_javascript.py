"""The case desk in a browser without JavaScript, in Norwegian: the queue's filters, a reply sent
empty (refused beside the field), a reply, an internal note and a status change are plain forms;
axe-core finds nothing on each state, as that browser shows it."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import BrowserContext, expect

from portal.cases.models import Case, CaseEvent
from portal.db.base import utcnow
from portal.services import Services
from portal.staff import accounts

from .pages import axe_check_without_js

PASSWORD = "correct horse battery staple"
REFERENCE = "K7M3-QX9T"


def _setup(live_server) -> None:
    services = Services.build(live_server.settings)
    now = utcnow()
    try:
        with services.write() as session:
            accounts.create_user(session, "olle@example.com", PASSWORD, ["agent"], "Olle Agent")
            case = Case(
                reference=REFERENCE, lang="nb", email="kari@example.com", name="Kari Nordmann",
                category="product", description="Lampen kom i stykker.",
                created_at=now - timedelta(days=1), updated_at=now - timedelta(days=1),
                promised_at=now + timedelta(days=1),
            )  # fmt: skip
            session.add(case)
            session.flush()
            session.add(CaseEvent(case_id=case.id, created_at=case.created_at, kind="submitted"))
    finally:
        services.close()


def test_an_agent_works_a_case_without_javascript(
    no_js_context: BrowserContext, live_server
) -> None:
    _setup(live_server)
    no_js_context.set_extra_http_headers({"accept-language": "nb"})
    page = no_js_context.new_page()
    page.goto(live_server.at("/staff/cases"))
    page.locator("#email").fill("olle@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/staff/login'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/cases$"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    rows = page.locator("table.case-queue tbody tr")
    expect(rows).to_have_count(1)

    # The filters are a form: without htmx the button sends it.
    page.locator("select[name=lang]").select_option("en")
    page.locator(
        "form.filters button[type=submit], form[action='/staff/cases'] button"
    ).first.click()
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    expect(rows).to_have_count(0)
    axe_check_without_js(page, "case queue filtered to nothing, in Norwegian")

    page.goto(live_server.at(f"/staff/cases/{REFERENCE}"))
    reply = page.locator(f"form[action='/staff/cases/{REFERENCE}/reply']")
    reply.locator("button[type=submit]").last.click()
    expect(page.locator("#message-error")).to_be_visible()
    axe_check_without_js(page, "case page, an empty reply refused, in Norwegian")

    reply.locator("textarea[name=message]").fill("Vi sender en ny lampe i dag.")
    reply.locator("button[type=submit]").last.click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("Vi sender en ny lampe i dag.")
    axe_check_without_js(page, "case page after a reply, in Norwegian")

    page.locator("input[name=internal]").check()
    reply.locator("textarea[name=message]").fill("Transportøren har bekreftet skaden.")
    reply.locator("button[type=submit]").last.click()
    expect(page.locator("ol.timeline li.internal")).to_contain_text("Transportøren")

    page.locator(f"form[action='/staff/cases/{REFERENCE}/status'] select").select_option("resolved")
    page.locator(f"form[action='/staff/cases/{REFERENCE}/status'] button").click()
    expect(page.locator(".status-badge")).to_have_text("Løst")
    axe_check_without_js(page, "case page, resolved, in Norwegian")
