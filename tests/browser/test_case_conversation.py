"""The customer's side of the conversation in Chromium: adding information with a file on the
status page and answering "Is your problem solved?" with a rating — with htmx (the page takes in
the agent's reply and the question by itself, without a reload) and without JavaScript; axe-core
on every state of the page, with JavaScript and as a browser without it shows the page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from case_conversation_support import agent, load_case, make_agent
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.cases.updates import add_public_reply, change_status
from portal.services import Services
from portal.staff.models import StaffUser

from .pages import REFERENCE, attachment_file, axe_check, axe_check_without_js, field, png_bytes

# The status page polls for news every 20 seconds; the tests move the page's clock past that.
REFRESH_MS = 21_000
AGENT_EMAIL = "maria@example.com"


def _complain(page: Page, live_server, lang: str) -> str:
    """File a complaint in this browser (which then holds the case's cookie); its reference."""
    page.goto(live_server.at(f"/{lang}/complaint"))
    field(page, "email").fill("anna@example.com")
    field(page, "name").fill("Anna Berg")
    field(page, "description").fill("The lamp arrived broken.")
    page.locator("main form button[type=submit]").click()
    box = page.locator("main .reference")
    expect(box).to_have_text(re.compile(rf"^\s*{REFERENCE}\s*$"))
    return box.inner_text().strip()


def _as_agent(live_server, reference: str, act: Callable[[Session, Case, StaffUser], object]):
    """What an agent does on the case desk, done through the same domain functions."""
    services = Services.build(live_server.settings)
    try:
        with services.read() as session:
            agent_id = session.scalar(select(StaffUser.id).where(StaffUser.email == AGENT_EMAIL))
        agent_id = agent_id or make_agent(services, AGENT_EMAIL)
        with services.write() as session:
            case = session.scalar(select(Case).where(Case.reference == reference))
            assert case is not None
            act(session, load_case(session, case.id), agent(session, agent_id))
        services.outbox_changed()
    finally:
        services.close()


def _reply(live_server, reference: str, text: str) -> None:
    settings = live_server.settings
    _as_agent(
        live_server,
        reference,
        lambda s, case, staff: add_public_reply(s, case, staff, text, settings, _now()),
    )


def _resolve(live_server, reference: str) -> None:
    settings = live_server.settings
    _as_agent(
        live_server,
        reference,
        lambda s, case, staff: change_status(s, case, staff, "resolved", settings, _now()),
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _add_information(
    page: Page, text: str, filename: str, *, check: Callable[[Page, str], None] = axe_check
) -> None:
    """Send the "Add information" form empty (refused beside the field), then with text and file.

    ``check``: how axe-core sees the page with the error (``axe_check_without_js`` without JS)."""
    form = page.locator("#add-information form")
    form.locator("button[type=submit]").click()
    expect(page.locator("#add-information .error-summary")).to_be_visible()
    expect(page.locator("#message-error")).to_be_visible()
    check(page, "status page, add information with an error")

    page.locator("#message").fill(text)
    form.locator("input[type=file][name=attachments]").set_input_files(
        attachment_file(filename, png_bytes())
    )
    form.locator("button[type=submit]").click()
    timeline = page.locator("#timeline ol.timeline")
    expect(timeline).to_contain_text(text)
    expect(timeline.get_by_role("link", name=filename)).to_be_visible()


def test_with_htmx_the_page_takes_in_news_and_the_solved_question_by_itself(
    page: Page, live_server
) -> None:
    page.clock.install()
    reference = _complain(page, live_server, "en")
    page.goto(live_server.at(f"/en/case/{reference}"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator("#solved")).to_have_count(0)
    axe_check(page, "status page, new case")

    _add_information(page, "The box was wet as well.", "box.png")
    axe_check(page, "status page after adding information")

    # The agent answers while the page stays open: the timeline shows it without a reload.
    page.evaluate("() => { window.stillTheSamePage = true; }")
    _reply(live_server, reference, "We are sending you a new lamp today.")
    page.clock.run_for(REFRESH_MS)
    timeline = page.locator("#timeline ol.timeline")
    expect(timeline).to_contain_text("We are sending you a new lamp today.")

    # The agent resolves the case: the question appears by itself, ready to answer.
    _resolve(live_server, reference)
    page.clock.run_for(REFRESH_MS)
    expect(page.locator(".status-badge")).to_have_text("Resolved")
    solved = page.locator("#solved")
    expect(solved.get_by_role("heading", name="Is your problem solved?")).to_be_visible()
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"
    axe_check(page, "status page asking whether the problem is solved")

    # Typing an answer is never undone by the next refresh.
    solved.get_by_label("Anything you would like to tell us?").fill("Quick and friendly.")
    page.clock.run_for(REFRESH_MS)
    expect(solved.get_by_label("Anything you would like to tell us?")).to_have_value(
        "Quick and friendly."
    )

    solved.get_by_role("button", name="Send your answer").click()
    expect(page.locator("#answer-error")).to_be_visible()
    expect(page.get_by_label("Anything you would like to tell us?")).to_have_value(
        "Quick and friendly."
    )
    axe_check(page, "solved question with an error")

    page.get_by_label("Yes, it is solved").check()
    page.get_by_label("4 out of 5").check()
    page.get_by_role("button", name="Send your answer").click()
    expect(timeline).to_contain_text("You answered whether your problem is solved")
    expect(timeline).to_contain_text("Your rating: 4 out of 5.")
    expect(timeline).to_contain_text("Quick and friendly.")
    expect(page.locator("#solved")).to_have_count(0)
    axe_check(page, "status page after answering")


def test_without_javascript_information_and_the_answer_are_plain_forms(
    no_js_context, live_server
) -> None:
    page = no_js_context.new_page()
    reference = _complain(page, live_server, "sv")
    page.goto(live_server.at(f"/sv/case/{reference}"))
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    axe_check_without_js(page, "status page, new case")

    _add_information(page, "Kartongen var också blöt.", "kartong.png", check=axe_check_without_js)
    axe_check_without_js(page, "status page after adding information")

    _resolve(live_server, reference)
    page.reload()
    solved = page.locator("#solved")
    expect(solved.get_by_role("heading", name="Är problemet löst?")).to_be_visible()
    axe_check_without_js(page, "status page asking whether the problem is solved")

    solved.locator("input[name=rating][value='2']").check()
    solved.locator("textarea[name=comment]").fill("Lampan fungerar fortfarande inte.")
    solved.locator("button[type=submit]").click()
    expect(page.locator("#answer-error")).to_be_visible()
    kept = page.locator("#solved")
    expect(kept.locator("input[name=rating][value='2']")).to_be_checked()
    expect(kept.locator("textarea[name=comment]")).to_have_value(
        "Lampan fungerar fortfarande inte."
    )
    axe_check_without_js(page, "solved question with an error")

    kept.locator("input[name=answer][value=no]").check()
    kept.locator("button[type=submit]").click()
    # "No" within 14 days of the resolution takes the same case up again.
    expect(page).to_have_url(re.compile(rf"/sv/case/{reference}"))
    expect(page.locator("#timeline ol.timeline")).to_contain_text("Lampan fungerar fortfarande")
    expect(page.locator(".status-badge")).not_to_have_text("Löst")
    expect(page.locator("#solved")).to_have_count(0)
    expect(page.locator("#add-information")).to_be_visible()
    axe_check_without_js(page, "status page after answering no")
