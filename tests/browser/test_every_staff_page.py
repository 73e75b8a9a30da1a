"""axe-core on every staff page the app serves, with JavaScript and without it.

The pages are read from the app's routes: a new staff page without a visit here fails the first
test. Each page is opened with some data on it (a case with a photo, a reply and a note; an
article with a translation and two revisions; a reply template; searches), checked in English
with JavaScript, and checked again in Swedish as a browser without JavaScript shows it — the
state every page must work in, htmx or not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from kb import articles
from kb.articles import TranslationContent
from portal.app import create_app
from portal.cases.models import Case
from portal.cases.reply_templates import save_template
from portal.cases.updates import add_internal_note, add_public_reply
from portal.services import Services
from portal.sla.models import SlaCalendar
from portal.sla.policies import ensure_defaults
from portal.staff import accounts

from .pages import attachment_file, axe_check, axe_check_without_js, field

PASSWORD = "correct horse battery staple"
ADMIN = "ada@example.com"  # every role, so every page opens
TWO_STEP = "tove@example.com"  # two-step sign-in on: she meets the code page

# Every staff page (GET route, as the app spells it without converters), in the order visited.
PAGES = (
    "/staff/login",
    "/staff/login/code",
    "/staff/",
    "/staff/account",
    "/staff/account/totp",
    "/staff/users",
    "/staff/users/new",
    "/staff/users/{user_id}",
    "/staff/audit",
    "/staff/kb",
    "/staff/kb/new",
    "/staff/kb/articles/{key}/{lang}",
    "/staff/kb/articles/{key}/{lang}/revisions",
    "/staff/kb/categories",
    "/staff/kb/synonyms/{lang}",
    "/staff/kb/insights",
    "/staff/cases",
    "/staff/cases/{reference}",
    "/staff/reply-templates",
    "/staff/reply-templates/new",
    "/staff/reply-templates/{template_id}",
    "/staff/insights",
    "/staff/response-times",
    "/staff/response-times/calendars/{calendar_id}",
)
# The translation beside its source, and the Swedish synonyms (the others fill in their ids).
OPEN = {
    "/staff/kb/articles/{key}/{lang}": "/staff/kb/articles/lost-parcels/sv?source=en",
    "/staff/kb/articles/{key}/{lang}/revisions": "/staff/kb/articles/lost-parcels/en/revisions",
    "/staff/kb/synonyms/{lang}": "/staff/kb/synonyms/sv",
}
# Files, not pages: the browser downloads them.
DOWNLOADS = {
    "/staff/cases/{reference}/attachments/{attachment_id}",
    "/staff/insights/export",
}
# Pages met before signing in (the code page once the password is accepted).
SIGNED_OUT = ("/staff/login", "/staff/login/code")


def _staff_get_routes(services: Services) -> set[str]:
    app = create_app(services.settings, services)
    found = set()
    for route in app.routes:
        if route.path == "/staff" or route.path.startswith("/staff/"):
            methods = {m for h in getattr(route, "route_handlers", []) for m in h.http_methods}
            if "GET" in methods:
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                found.add("/staff/" if path == "/staff" else path)
    return found


def test_every_staff_page_has_an_accessibility_check(live_server) -> None:
    services = Services.build(live_server.settings)
    try:
        served = _staff_get_routes(services)
    finally:
        services.close()
    assert served - DOWNLOADS == set(PAGES), "staff pages without an axe-core check here"


def _seed(live_server, reference: str) -> dict[str, str]:
    """Staff, an article in two languages, a template, calendars, and work on the case."""
    services = Services.build(live_server.settings)
    now = datetime.now(UTC)
    try:
        with services.write() as session:
            admin = accounts.create_user(
                session, ADMIN, PASSWORD, ["admin", "editor", "agent"], "Ada Admin"
            )
            tove = accounts.create_user(session, TWO_STEP, PASSWORD, ["agent"], "Tove Agent")
            accounts.start_totp(session, tove, secret_key=live_server.settings.secret_key)
            tove.totp_enabled = True
            articles.create_category(session, "shipping", names={"en": "Shipping", "sv": "Frakt"})
            en = articles.create_translation(
                session, lang="en", key="lost-parcels", author="ada",
                content=TranslationContent(
                    title="Lost parcels", body_md="Ask the courier.", status="published",
                    category="shipping",
                ),
            )  # fmt: skip
            session.flush()
            articles.update_translation(
                session, en.id,
                TranslationContent(
                    title="Lost parcels", body_md="Ask the courier first, then write to us.",
                    status="published", category="shipping",
                ),
                author="ada", expected_version=en.version,
            )  # fmt: skip
            articles.create_translation(
                session, lang="sv", key="lost-parcels", author="ada",
                content=TranslationContent(title="Borttappade paket", body_md="Fråga budfirman."),
            )  # fmt: skip
            template = save_template(
                session, None, name="Thanks", lang="en", body="Hello {name}, about {reference}."
            )
            ensure_defaults(session)
            calendar_id = session.scalars(select(SlaCalendar.id).order_by(SlaCalendar.id)).first()
            case = session.scalar(select(Case).where(Case.reference == reference))
            assert case is not None
            add_public_reply(session, case, admin, "We are on it.", live_server.settings, now)
            add_internal_note(session, case, admin, "Courier asked.", now)
            ids = {
                "user_id": str(tove.id),
                "template_id": str(template.id),
                "calendar_id": str(calendar_id),
                "reference": reference,
            }
        services.outbox_changed()
        return ids
    finally:
        services.close()


def _complain(page: Page, live_server) -> str:
    """A customer reports a problem with a photo and searches the help centre."""
    page.goto(live_server.at("/en/complaint"))
    field(page, "email").fill("anna@example.com")
    field(page, "name").fill("Anna Berg")
    field(page, "description").fill("The lamp arrived broken.")
    field(page, "attachments").set_input_files([attachment_file("lamp.png")])
    page.locator("main form button[type=submit]").click()
    reference = page.locator("main .reference").inner_text().strip()
    for query in ("parcel", "zebra crossing"):
        page.goto(live_server.at(f"/en/search?q={query}"))
    return reference


def _sign_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.at("/staff/login"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def _visit(page: Page, live_server, route: str, ids: dict[str, str]) -> None:
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], OPEN.get(route, route))
    if route == "/staff/account/totp":  # set-up starts from the account page's button
        page.goto(live_server.at("/staff/account"))
        page.locator("form[action='/staff/account/totp/setup'] button").click()
        expect(page.locator("#totp-secret")).to_be_visible()
    else:
        response = page.goto(live_server.at(url))
        assert response is not None, url
        assert response.status == 200, (url, response.status)
    expect(page).to_have_url(re.compile(re.escape(url.split("?")[0])))


def _check_every_page(page: Page, live_server, ids: dict[str, str], check) -> None:  # type: ignore[no-untyped-def]
    for route in SIGNED_OUT:
        if route == "/staff/login/code":
            _sign_in(page, live_server, TWO_STEP)
            expect(page).to_have_url(re.compile("/staff/login/code"))
        else:
            page.goto(live_server.at(route))
        check(page, route)
    page.context.clear_cookies()
    _sign_in(page, live_server, ADMIN)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    for route in PAGES:
        if route not in SIGNED_OUT:
            _visit(page, live_server, route, ids)
            check(page, route)


def test_every_staff_page_with_and_without_javascript(
    page: Page, no_js_context: BrowserContext, live_server
) -> None:
    reference = _complain(page, live_server)
    ids = _seed(live_server, reference)
    page.context.clear_cookies()
    _check_every_page(page, live_server, ids, axe_check)

    no_js_context.set_extra_http_headers({"accept-language": "sv"})
    plain = no_js_context.new_page()
    _check_every_page(plain, live_server, ids, axe_check_without_js)
    expect(plain.locator("html")).to_have_attribute("lang", "sv")
