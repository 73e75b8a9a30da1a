"""An agent works a case in Chromium: the queue (filtered with htmx), the case page, a reply and
the resolution; axe-core finds no accessibility violations on the queue or the case page."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from portal.cases.models import Case, CaseEvent
from portal.db.base import utcnow
from portal.services import Services
from portal.staff import accounts

from .pages import axe_check

PASSWORD = "correct horse battery staple"


def _setup(live_server) -> tuple[str, str]:
    """Olle the agent, an overdue case and one not yet due; returns the two references."""
    services = Services.build(live_server.settings)
    now = utcnow()
    try:
        with services.write() as session:
            accounts.create_user(session, "olle@example.com", PASSWORD, ["agent"], "Olle Agent")
            refs = []
            for reference, due, name in (
                ("K7M3-QX9T", -timedelta(hours=2), "Anna Berg"),
                ("P4RW-8HJN", timedelta(days=3), "Nils Ek"),
            ):
                case = Case(
                    reference=reference, lang="en", email="anna@example.com", name=name,
                    category="product", description="The lamp arrived broken.",
                    created_at=now - timedelta(days=1), updated_at=now - timedelta(days=1),
                    promised_at=now + due,
                )  # fmt: skip
                session.add(case)
                session.flush()
                session.add(
                    CaseEvent(case_id=case.id, created_at=case.created_at, kind="submitted")
                )
                refs.append(reference)
            return refs[0], refs[1]
    finally:
        services.close()


def test_an_agent_works_a_case_from_the_queue(page: Page, live_server) -> None:
    overdue, later = _setup(live_server)
    page.goto(live_server.at("/staff/cases"))
    page.get_by_label("Email address").fill("olle@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    rows = page.locator("table.case-queue tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(overdue)
    expect(rows.first).to_contain_text("Overdue")
    axe_check(page, "case queue")

    page.get_by_label("Response time").select_option("overdue")  # htmx swaps the list
    expect(rows).to_have_count(1)
    expect(page).to_have_url(
        live_server.at(
            "/staff/cases?status=active&due=overdue&attention=&assignee=&category=&lang=&sort=due"
        )
    )
    expect(page.get_by_label("Response time").locator("option:checked")).to_have_text("Overdue (1)")
    axe_check(page, "case queue, overdue only")

    page.get_by_role("link", name=overdue).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {overdue}")
    # Late by however much working time has passed (none at a weekend), and since when.
    expect(page.locator(".promise")).to_contain_text("Overdue")
    expect(page.locator(".promise")).to_contain_text("was due")
    axe_check(page, "case page")

    page.get_by_label("Message").fill("We are sending you a new lamp today.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Your reply was sent to the customer.")
    expect(page.locator("ol.timeline")).to_contain_text("We are sending you a new lamp today.")
    expect(page.locator(".promise")).to_contain_text("First response sent")

    page.get_by_label("Internal note").check()
    page.get_by_label("Message").fill("Courier confirmed the damage.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("ol.timeline li.internal")).to_contain_text("Courier confirmed")

    page.get_by_label("Status", exact=True).select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_contain_text("The status was changed.")
    expect(page.locator(".status-badge")).to_have_text("Resolved")
    axe_check(page, "case page, resolved")

    page.get_by_role("link", name="Back to the case queue").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(later)
