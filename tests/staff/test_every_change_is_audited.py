"""Every staff form that changes something leaves an audit entry: who, what, when, from where.

Each POST route of the app is used once here, for real, as a person would (the page's own form,
filled in); the newest audit entry must name the action and the person. The routes are read from
the app, so a new form without a line here fails the first test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from complaint_support import send
from helpers import page_form, parse
from litestar.testing import TestClient
from sqlalchemy import func, select
from staff_support import PASSWORD, make_staff, sign_in, submit

from kb import articles
from kb.articles import TranslationContent
from portal.app import create_app
from portal.cases.models import Case
from portal.cases.reply_templates import save_template
from portal.services import Services
from portal.sla.models import SlaCalendar
from portal.sla.policies import ensure_defaults
from portal.staff import accounts, totp
from portal.staff.models import AuditEntry, StaffUser

ADA = "ada@example.com"  # admin, editor and agent: she does everything here
NEW_PASSWORD = "a brand new passphrase for ada"


@dataclass
class Desk:
    client: TestClient
    services: Services
    ada: int
    target: int  # a colleague (agent, two-step sign-in on) whom Ada's admin forms change
    reference: str
    template: int
    calendar: int


def _case_page(desk: Desk) -> str:
    return f"/staff/cases/{desk.reference}"


def _press(client: TestClient, page: str, url: str, button: str, **fields: object):  # type: ignore[no-untyped-def]
    """Fill in the form posting to ``url`` on ``page`` and press its ``action`` button."""
    values = page_form(client.get(page).text, url)
    values.update(fields, action=button)
    return client.post(url, data=values, follow_redirects=False)


def _on_case(desk: Desk, what: str, **fields: object):  # type: ignore[no-untyped-def]
    return submit(desk.client, _case_page(desk), f"{_case_page(desk)}/{what}", **fields)


def _on_user(desk: Desk, what: str = "", **fields: object):  # type: ignore[no-untyped-def]
    page = f"/staff/users/{desk.target}"
    return submit(desk.client, page, page + (f"/{what}" if what else ""), **fields)


def _totp_on(desk: Desk) -> tuple[str, object]:
    """Ada turns two-step sign-in on from her account page: the secret it showed, the answer."""
    submit(desk.client, "/staff/account", "/staff/account/totp/setup")
    secret = parse(desk.client.get("/staff/account/totp").text).by_id("totp-secret").text
    secret = secret.replace(" ", "")
    code = totp.code_at(secret, datetime.now(UTC))
    response = submit(desk.client, "/staff/account/totp", "/staff/account/totp/confirm", code=code)
    return secret, response


def _totp_off(desk: Desk):  # type: ignore[no-untyped-def]
    secret, _confirmed = _totp_on(desk)
    code = totp.code_for_step(secret, totp.step_at(datetime.now(UTC)) + 1)  # the next, unused
    return submit(desk.client, "/staff/account", "/staff/account/totp/disable", code=code)


def _sign_in_with_code(desk: Desk):  # type: ignore[no-untyped-def]
    secret, _confirmed = _totp_on(desk)
    desk.client.cookies.clear()
    assert sign_in(desk.client, ADA).headers["location"] == "/staff/login/code"
    code = totp.code_for_step(secret, totp.step_at(datetime.now(UTC)) + 1)
    return submit(desk.client, "/staff/login/code", "/staff/login/code", code=code)


def _sign_in_again(desk: Desk):  # type: ignore[no-untyped-def]
    desk.client.cookies.clear()
    return sign_in(desk.client, ADA)


def _reactivate(desk: Desk):  # type: ignore[no-untyped-def]
    assert _on_user(desk, "deactivate").status_code == 303
    return _on_user(desk, "reactivate")


def _article_page(key: str = "returns") -> str:
    return f"/staff/kb/articles/{key}/en"


def _save_article(desk: Desk):  # type: ignore[no-untyped-def]
    page = _article_page()
    return _press(desk.client, page, page, "save", body="Send it back within 30 days.")


def _restore(desk: Desk):  # type: ignore[no-untyped-def]
    assert _save_article(desk).status_code == 303
    revisions = _article_page() + "/revisions"
    return submit(desk.client, revisions, f"{revisions}/1/restore")


def _remove_closed_day(desk: Desk):  # type: ignore[no-untyped-def]
    page = f"/staff/response-times/calendars/{desk.calendar}"
    added = submit(
        desk.client, page, f"{page}/closed-days", closed_date="2027-03-12", closed_label="Move"
    )
    assert added.status_code == 303, added.text
    return submit(desk.client, page, f"{page}/closed-days/delete")


def _case_news(desk: Desk):  # type: ignore[no-untyped-def]
    with desk.services.write() as session:
        case = session.scalar(select(Case).where(Case.reference == desk.reference))
        assert case is not None
        case.needs_attention = True
    return _on_case(desk, "handled")


Action = Callable[[Desk], object]
CALENDAR = "/staff/response-times/calendars/{calendar_id}"
# Every staff POST route: the audit action it must write, and how a person does it.
CHANGES: dict[str, tuple[str, Action]] = {
    "/staff/login": ("sign_in", _sign_in_again),
    "/staff/login/code": ("sign_in", _sign_in_with_code),
    "/staff/logout": ("sign_out", lambda d: submit(d.client, "/staff/", "/staff/logout")),
    "/staff/logout/everywhere": (
        "sign_out_everywhere",
        lambda d: submit(d.client, "/staff/account", "/staff/logout/everywhere"),
    ),
    "/staff/account/password": (
        "account.password_change",
        lambda d: submit(
            d.client,
            "/staff/account",
            "/staff/account/password",
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            new_password_again=NEW_PASSWORD,
        ),
    ),
    "/staff/account/totp/confirm": ("account.totp_enable", lambda d: _totp_on(d)[1]),
    "/staff/account/totp/disable": ("account.totp_disable", _totp_off),
    "/staff/account/time-zone": (
        "account.time_zone",
        lambda d: submit(
            d.client, "/staff/account", "/staff/account/time-zone", time_zone="Europe/Oslo"
        ),
    ),
    "/staff/users": (
        "user.create",
        lambda d: submit(
            d.client,
            "/staff/users/new",
            "/staff/users",
            email="nils@example.com",
            display_name="Nils",
            password=PASSWORD,
            roles="agent",
        ),
    ),
    "/staff/users/{user_id}": ("user.update", lambda d: _on_user(d, roles=["editor"])),
    "/staff/users/{user_id}/deactivate": ("user.deactivate", lambda d: _on_user(d, "deactivate")),
    "/staff/users/{user_id}/reactivate": ("user.reactivate", _reactivate),
    "/staff/users/{user_id}/password": (
        "user.password_reset",
        lambda d: _on_user(d, "password", password=NEW_PASSWORD),
    ),
    "/staff/users/{user_id}/totp-reset": ("user.totp_reset", lambda d: _on_user(d, "totp-reset")),
    "/staff/users/{user_id}/sign-out": (
        "user.sign_out_everywhere",
        lambda d: _on_user(d, "sign-out"),
    ),
    "/staff/kb/new": (
        "kb.article.create",
        lambda d: _press(
            d.client, "/staff/kb/new", "/staff/kb/new?lang=en", "save", title="Exchanges"
        ),
    ),
    "/staff/kb/articles/{key}/{lang}": ("kb.article.save", _save_article),
    "/staff/kb/articles/{key}/{lang}/revisions/{number}/restore": ("kb.article.restore", _restore),
    "/staff/kb/categories": (
        "kb.category.update",
        lambda d: submit(
            d.client, "/staff/kb/categories", "/staff/kb/categories", **{"name-returns-en": "Back"}
        ),
    ),
    "/staff/kb/categories/new": (
        "kb.category.create",
        lambda d: submit(
            d.client,
            "/staff/kb/categories",
            "/staff/kb/categories/new",
            **{"new-key": "payment", "new-name-en": "Payment"},
        ),
    ),
    "/staff/kb/categories/delete": (
        "kb.category.delete",
        lambda d: submit(
            d.client,
            "/staff/kb/categories",
            "/staff/kb/categories/delete",
            **{"delete-key": "returns", "move-to": "none"},
        ),
    ),
    "/staff/kb/synonyms/{lang}": (
        "kb.synonyms.update",
        lambda d: submit(
            d.client, "/staff/kb/synonyms/en", "/staff/kb/synonyms/en", synonyms="refund, money"
        ),
    ),
    "/staff/cases/{reference}/reply": (
        "case.reply",
        lambda d: _on_case(d, "reply", message="We are sending a new lamp."),
    ),
    "/staff/cases/{reference}/status": (
        "case.status",
        lambda d: _on_case(d, "status", status="open"),
    ),
    "/staff/cases/{reference}/category": (
        "case.category",
        lambda d: _on_case(d, "category", category="billing"),
    ),
    "/staff/cases/{reference}/priority": (
        "case.priority",
        lambda d: _on_case(d, "priority", priority="high"),
    ),
    "/staff/cases/{reference}/assignee": (
        "case.assign",
        lambda d: _on_case(d, "assignee", assignee="me"),
    ),
    "/staff/cases/{reference}/handled": ("case.handled", _case_news),
    "/staff/reply-templates": (
        "reply_template.create",
        lambda d: submit(
            d.client,
            "/staff/reply-templates/new",
            "/staff/reply-templates",
            name="Sorry",
            body="Sorry, {name}.",
        ),
    ),
    "/staff/reply-templates/{template_id}": (
        "reply_template.update",
        lambda d: submit(
            d.client,
            f"/staff/reply-templates/{d.template}",
            f"/staff/reply-templates/{d.template}",
            body="Hi {name}, thanks.",
        ),
    ),
    "/staff/reply-templates/{template_id}/delete": (
        "reply_template.delete",
        lambda d: submit(
            d.client,
            f"/staff/reply-templates/{d.template}",
            f"/staff/reply-templates/{d.template}/delete",
        ),
    ),
    "/staff/response-times/targets": (
        "sla.targets",
        lambda d: submit(
            d.client,
            "/staff/response-times",
            "/staff/response-times/targets",
            **{"first-product-low": "3"},
        ),
    ),
    "/staff/response-times/languages": (
        "sla.languages",
        lambda d: submit(
            d.client,
            "/staff/response-times",
            "/staff/response-times/languages",
            **{"calendar-nb": str(d.calendar)},
        ),
    ),
    CALENDAR: (
        "sla.calendar",
        lambda d: submit(
            d.client,
            f"/staff/response-times/calendars/{d.calendar}",
            f"/staff/response-times/calendars/{d.calendar}",
            **{"day-0-opens": "09:00"},
        ),
    ),
    CALENDAR + "/closed-days": (
        "sla.closed_day.add",
        lambda d: submit(
            d.client,
            f"/staff/response-times/calendars/{d.calendar}",
            f"/staff/response-times/calendars/{d.calendar}/closed-days",
            closed_date="2027-03-12",
            closed_label="Stocktaking",
        ),
    ),
    CALENDAR + "/closed-days/delete": ("sla.closed_day.remove", _remove_closed_day),
}
# Forms that change nothing kept: what they do instead.
NO_CHANGE = {
    "/staff/kb/preview": "shows the text as readers will see it; saves nothing",
    "/staff/account/totp/setup": "shows a new secret; nothing changes until a code confirms it",
}


def test_every_staff_form_is_listed_here(settings, services) -> None:
    app = create_app(settings, services)
    posts = set()
    for route in app.routes:
        if route.path.startswith("/staff/"):
            for handler in getattr(route, "route_handlers", []):
                if "POST" in handler.http_methods:
                    posts.add(re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
    assert posts - set(NO_CHANGE) == set(CHANGES)


@pytest.fixture
def desk(client: TestClient, services: Services) -> Desk:
    ada = make_staff(services, ADA, ["admin", "editor", "agent"], name="Ada")
    target = make_staff(services, "olle@example.com", ["agent"], name="Olle")
    with services.write() as session:
        olle = session.get(StaffUser, target)
        assert olle is not None
        accounts.start_totp(session, olle, secret_key=services.settings.secret_key)
        olle.totp_enabled = True
        articles.create_category(session, "returns", names={"en": "Returns"})
        articles.create_translation(
            session,
            lang="en",
            key="returns",
            author="seed",
            content=TranslationContent(
                title="Returns", body_md="Send it back.", category="returns"
            ),
        )
        template = save_template(session, None, name="Thanks", lang="en", body="Hello {name}").id
        ensure_defaults(session)
        calendar = session.scalars(select(SlaCalendar.id).order_by(SlaCalendar.id)).first()
    assert send(client).status_code == 303
    with services.read() as session:
        reference = session.scalars(select(Case.reference)).one()
    client.cookies.clear()
    assert sign_in(client, ADA).status_code == 303
    return Desk(client, services, ada, target, reference, template, calendar)


def _newest(services: Services) -> AuditEntry | None:
    with services.read() as session:
        return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def _count(services: Services) -> int:
    with services.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("path", sorted(CHANGES))
def test_the_change_is_in_the_audit_log(desk: Desk, path: str) -> None:
    action, do = CHANGES[path]
    before = _count(desk.services)
    response = do(desk)
    assert response.status_code == 303, getattr(response, "text", "")[:2000]
    entry = _newest(desk.services)
    assert entry is not None
    assert _count(desk.services) > before
    assert entry.action == action
    assert (entry.actor_id, entry.actor_email) == (desk.ada, ADA)
    assert entry.at is not None
    assert entry.client_addr == "testclient"
