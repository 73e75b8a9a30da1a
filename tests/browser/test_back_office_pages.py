"""The rest of the back office in Chromium, with axe-core on each page: an admin without the agent
or editor role is shown where to add them, reply templates greet a customer without a name, news
from the customer is marked handled, a category with articles is deleted, and an article form too
large to receive gets a page that says what to do."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from kb import articles
from kb.articles import TranslationContent
from portal.cases.models import Case, CaseEvent
from portal.db.base import utcnow
from portal.services import Services
from portal.staff import accounts

from .pages import axe_check

PASSWORD = "correct horse battery staple"
REFERENCE = "K7M3-QX9T"


def _seed(live_server) -> None:
    services = Services.build(live_server.settings)
    now = utcnow()
    try:
        with services.write() as session:
            accounts.create_user(session, "ada@example.com", PASSWORD, ["admin"], "Ada Admin")
            accounts.create_user(session, "eva@example.com", PASSWORD, ["editor"], "Eva Editor")
            case = Case(
                reference=REFERENCE, lang="en", email="anna@example.com", name="",
                category="product", description="The lamp arrived broken.", needs_attention=True,
                created_at=now - timedelta(days=1), updated_at=now - timedelta(hours=1),
                promised_at=now + timedelta(days=1),
            )  # fmt: skip
            session.add(case)
            session.flush()
            session.add(CaseEvent(case_id=case.id, created_at=case.created_at, kind="submitted"))
            articles.create_category(session, "shipping", names={"en": "Shipping"})
            articles.create_category(session, "delivery", names={"en": "Delivery"})
            articles.create_translation(
                session, lang="en", key="lost-parcels", author="seed",
                content=TranslationContent(
                    title="Lost parcels", body_md="Ask the courier.", status="published",
                    category="shipping",
                ),
            )  # fmt: skip
    finally:
        services.close()


def _sign_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.at("/staff/login"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_adds_roles_and_a_template_then_answers_a_case(page: Page, live_server) -> None:
    _seed(live_server)
    _sign_in(page, live_server, "ada@example.com")
    roles = page.locator(".your-roles")
    expect(roles.locator("li")).to_have_count(1)
    expect(roles).to_contain_text("case desk and the knowledge base are not open to you")
    axe_check(page, "overview of an admin without other roles")

    roles.get_by_role("link", name="Add roles on your user page").click()
    page.get_by_label(re.compile("^Agent")).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_be_visible()
    page.get_by_role("link", name="Overview").click()
    expect(page.locator(".your-roles li")).to_have_count(2)
    axe_check(page, "overview of an admin and agent")

    page.goto(live_server.at("/staff/reply-templates"))
    axe_check(page, "reply templates, none yet")
    page.get_by_role("link", name="Add a template").click()
    page.get_by_role("button", name="Save template").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_check(page, "new reply template with errors")
    page.get_by_label("Name").fill("Thanks")
    page.get_by_label("Text", exact=True).fill("Hello {name}, thank you for case {reference}.")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("link", name="Thanks")).to_be_visible()
    axe_check(page, "reply templates")
    page.get_by_role("link", name="Thanks").click()
    axe_check(page, "one reply template")

    # The customer gave no name: the template greets her plainly.
    page.goto(live_server.at(f"/staff/cases/{REFERENCE}"))
    expect(page.locator(".case-summary .attention")).to_have_text("New from the customer")
    axe_check(page, "case page with news from the customer")
    page.get_by_label("Reply template").select_option(label="Thanks")
    page.get_by_role("button", name="Insert template").click()
    expect(page.get_by_label("Message")).to_have_value(f"Hello, thank you for case {REFERENCE}.")
    page.get_by_role("button", name="Mark as handled").click()
    expect(page.get_by_role("status")).to_contain_text("Marked as handled")
    expect(page.locator(".case-summary .attention")).to_have_count(0)
    expect(page.locator("ol.timeline li.internal").last).to_contain_text(
        "Marked what the customer added as handled"
    )
    axe_check(page, "case page after marking it handled")


def test_an_editor_deletes_a_category_and_meets_the_size_limit(
    page: Page, live_server, tmp_path: Path
) -> None:
    _seed(live_server)
    _sign_in(page, live_server, "eva@example.com")
    page.goto(live_server.at("/staff/kb/categories"))
    page.get_by_label("Category to delete").select_option("shipping")
    page.get_by_role("button", name="Delete category").click()
    expect(page.locator("#move-to-error")).to_contain_text("holds 1 article")
    axe_check(page, "categories, deleting one with an article")
    page.get_by_label("Move its articles to").select_option("delivery")
    page.get_by_role("button", name="Delete category").click()
    expect(page.get_by_role("status")).to_contain_text("The category was deleted.")
    expect(page.get_by_label("Category to delete").locator("option")).to_have_count(2)

    page.goto(live_server.at("/staff/kb/articles/lost-parcels/en"))
    page.get_by_label("Text", exact=True).fill("Ask the courier, then write to us.")
    film = tmp_path / "film.png"
    with film.open("wb") as fh:
        fh.truncate(28 * 1024 * 1024)
    page.get_by_label("Image file (PNG, JPEG, GIF or WebP, up to 5 MB)").set_input_files(film)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The form was too large to receive")
    axe_check(page, "article form too large to receive")
    page.go_back()  # as the page advises: the text typed is still there
    expect(page.get_by_label("Text", exact=True)).to_have_value(
        "Ask the courier, then write to us."
    )
