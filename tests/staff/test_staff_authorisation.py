"""Who gets into which staff page: every route × admin, editor, agent, signed out, a customer.

Only the right role gets in; signed-out visitors (and customers, whose case cookie is worth
nothing here, people half-way through a two-step sign-in and deactivated accounts) are sent to
sign in; the wrong role gets 403. Forms from other sites are refused.
The routes are read from the app itself: a new /staff route without a line here fails the test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from complaint_support import PNG, send
from helpers import parse
from litestar import Litestar
from sqlalchemy import func, select
from staff_support import (
    csrf_token,
    heading,
    is_sign_in_redirect,
    load_user,
    make_staff,
    session_cookie,
    sign_in,
    use_session,
)

from kb import articles
from kb.articles import TranslationContent
from portal.app import create_app
from portal.cases.models import Attachment
from portal.cases.reply_templates import save_template
from portal.sla.models import SlaCalendar
from portal.sla.policies import ensure_defaults
from portal.staff import sessions
from portal.staff.guards import requires_staff
from portal.staff.models import STAGE_SECOND_FACTOR, AuditEntry, StaffUser

ANYONE_STAFF = frozenset({"admin", "editor", "agent"})
ADMIN = frozenset({"admin"})
EDITOR = frozenset({"editor"})
MATRIX_ARTICLE = "matrix-article"
PRINCIPALS = (
    "admin",
    "editor",
    "agent",
    "signed_out",
    "customer",
    "customer_as_staff",
    "code_pending",  # every role, password accepted, the two-step code not yet given
    "deactivated",  # every role, a session opened before an admin deactivated the account
)

# Every staff route this package serves, and the roles that may use it.
ROUTES: list[tuple[str, str, frozenset[str]]] = [
    ("GET", "/staff/", ANYONE_STAFF),
    ("GET", "/staff/account", ANYONE_STAFF),
    ("POST", "/staff/account/password", ANYONE_STAFF),
    ("POST", "/staff/account/totp/setup", ANYONE_STAFF),
    ("GET", "/staff/account/totp", ANYONE_STAFF),
    ("POST", "/staff/account/totp/confirm", ANYONE_STAFF),
    ("POST", "/staff/account/totp/disable", ANYONE_STAFF),
    ("POST", "/staff/account/time-zone", ANYONE_STAFF),
    ("POST", "/staff/logout", ANYONE_STAFF),
    ("POST", "/staff/logout/everywhere", ANYONE_STAFF),
    ("GET", "/staff/users", ADMIN),
    ("GET", "/staff/users/new", ADMIN),
    ("POST", "/staff/users", ADMIN),
    ("GET", "/staff/users/{user_id}", ADMIN),
    ("POST", "/staff/users/{user_id}", ADMIN),
    ("POST", "/staff/users/{user_id}/deactivate", ADMIN),
    ("POST", "/staff/users/{user_id}/reactivate", ADMIN),
    ("POST", "/staff/users/{user_id}/password", ADMIN),
    ("POST", "/staff/users/{user_id}/totp-reset", ADMIN),
    ("POST", "/staff/users/{user_id}/sign-out", ADMIN),
    ("GET", "/staff/audit", ADMIN),
    ("GET", "/staff/kb", EDITOR),
    ("GET", "/staff/kb/new", EDITOR),
    ("POST", "/staff/kb/new", EDITOR),
    ("GET", "/staff/kb/articles/{key}/{lang}", EDITOR),
    ("POST", "/staff/kb/articles/{key}/{lang}", EDITOR),
    ("POST", "/staff/kb/preview", EDITOR),
    ("GET", "/staff/kb/articles/{key}/{lang}/revisions", EDITOR),
    ("POST", "/staff/kb/articles/{key}/{lang}/revisions/{number}/restore", EDITOR),
    ("GET", "/staff/kb/categories", EDITOR),
    ("POST", "/staff/kb/categories", EDITOR),
    ("POST", "/staff/kb/categories/new", EDITOR),
    ("POST", "/staff/kb/categories/delete", EDITOR),
    ("GET", "/staff/kb/synonyms/{lang}", EDITOR),
    ("POST", "/staff/kb/synonyms/{lang}", EDITOR),
    ("GET", "/staff/kb/insights", EDITOR),
]
# The agents' case desk, and the reply templates admins keep for it.
AGENT = frozenset({"agent"})
ROUTES += [
    ("GET", "/staff/cases", AGENT),
    ("GET", "/staff/cases/{reference}", AGENT),
    ("GET", "/staff/cases/{reference}/attachments/{attachment_id}", AGENT),
    ("POST", "/staff/cases/{reference}/reply", AGENT),
    ("POST", "/staff/cases/{reference}/status", AGENT),
    ("POST", "/staff/cases/{reference}/category", AGENT),
    ("POST", "/staff/cases/{reference}/priority", AGENT),
    ("POST", "/staff/cases/{reference}/assignee", AGENT),
    ("POST", "/staff/cases/{reference}/handled", AGENT),
    ("GET", "/staff/reply-templates", ADMIN),
    ("GET", "/staff/reply-templates/new", ADMIN),
    ("POST", "/staff/reply-templates", ADMIN),
    ("GET", "/staff/reply-templates/{template_id}", ADMIN),
    ("POST", "/staff/reply-templates/{template_id}", ADMIN),
    ("POST", "/staff/reply-templates/{template_id}/delete", ADMIN),
]
# Insights: admins and agents see everything, editors the knowledge-base part; the default
# download is the case list, which editors may not take.
ROUTES += [
    ("GET", "/staff/insights", ANYONE_STAFF),
    ("GET", "/staff/insights/export", frozenset({"admin", "agent"})),
]
# Response times: admins change targets and calendars; agents may read the overview.
ROUTES += [
    ("GET", "/staff/response-times", frozenset({"admin", "agent"})),
    ("POST", "/staff/response-times/targets", ADMIN),
    ("POST", "/staff/response-times/languages", ADMIN),
    ("GET", "/staff/response-times/calendars/{calendar_id}", ADMIN),
    ("POST", "/staff/response-times/calendars/{calendar_id}", ADMIN),
    ("POST", "/staff/response-times/calendars/{calendar_id}/closed-days", ADMIN),
    ("POST", "/staff/response-times/calendars/{calendar_id}/closed-days/delete", ADMIN),
]
# Open to everyone: signing in.
PUBLIC = {
    ("GET", "/staff/login"),
    ("POST", "/staff/login"),
    ("GET", "/staff/login/code"),
    ("POST", "/staff/login/code"),
}


def _staff_routes(app: Litestar) -> list[tuple[str, str, object]]:
    """(method, path with plain {params}, handler) for every route under /staff."""
    found = []
    for route in app.routes:
        if not (route.path == "/staff" or route.path.startswith("/staff/")):
            continue
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        path = "/staff/" if path == "/staff" else path  # Litestar drops the trailing slash
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method not in ("HEAD", "OPTIONS"):  # answered by Litestar itself
                    found.append((method, path, handler))
    return found


def test_the_matrix_covers_every_route_of_the_back_office(settings, services) -> None:
    """Whichever package serves it: every /staff route of the app has its line in the matrix."""
    app = create_app(settings, services)
    served = {(method, path) for method, path, _handler in _staff_routes(app)}
    listed = {(m, p) for m, p, _ in ROUTES}
    assert served - listed - PUBLIC == set(), "staff routes without a line in the matrix"
    assert (listed | PUBLIC) - served == set(), "matrix lines for routes the app does not serve"
    assert len(listed) == len(ROUTES), "a route is listed twice"


def test_every_staff_route_in_the_app_checks_a_staff_guard(settings, services) -> None:
    """Also the case desk and the knowledge-base editor: no /staff page without a guard."""
    app = create_app(settings, services)
    unguarded = [
        (method, path)
        for method, path, handler in _staff_routes(app)
        if (method, path) not in PUBLIC
        and not any(
            g is requires_staff or hasattr(g, "staff_roles") for g in handler.resolve_guards()
        )
    ]
    assert unguarded == []


@dataclass
class World:
    staff_ids: dict[str, int]
    half_signed_in: str  # session cookies of people who must be sent to sign in all the same
    deactivated: str
    target_id: int
    template_id: int
    attachment_id: int
    calendar_id: int
    case_cookie: tuple[str, str]
    csrf_cookie: str
    csrf_token: str


@pytest.fixture
def world(client, services) -> World:
    staff_ids = {
        "admin": make_staff(services, "ada@example.com", ["admin"]),
        "editor": make_staff(services, "eva@example.com", ["editor"]),
        "agent": make_staff(services, "olle@example.com", ["agent"]),
    }
    make_staff(services, "second-admin@example.com", ["admin"])
    target = make_staff(services, "target@example.com", ["agent"])
    every_role = ["admin", "editor", "agent"]
    tove = make_staff(services, "tove@example.com", every_role)
    gone = make_staff(services, "gone@example.com", every_role)
    with services.write() as session:
        tove_user, gone_user = session.get(StaffUser, tove), session.get(StaffUser, gone)
        assert tove_user is not None
        assert gone_user is not None
        tove_user.totp_enabled = True
        half = sessions.open_session(
            session, tove_user, now=services.clock(), stage=STAGE_SECOND_FACTOR
        )
        deactivated = sessions.open_session(session, gone_user, now=services.clock())
        gone_user.active = False
    # A customer who reported a problem (with a photo) holds a case cookie in the same browser.
    photo = [("attachments", ("receipt.png", PNG, "image/png"))]
    assert send(client, files=photo).status_code == 303
    case_cookie = next((k, v) for k, v in client.cookies.items() if k.startswith("svar_case_"))
    with services.read() as session:
        attachment_id = session.scalars(select(Attachment.id)).one()
    token = csrf_token(client)
    with services.write() as session:  # an article for the editors' pages
        articles.create_translation(
            session,
            lang="en",
            content=TranslationContent(title="Matrix"),
            author="t",
            key=MATRIX_ARTICLE,
        )
    with services.write() as session:  # a reply template for the admins' pages
        template_id = save_template(session, None, name="Thanks", lang="en", body="Hello {name}").id
    with services.write() as session:  # the business calendars `portal db upgrade` seeds
        ensure_defaults(session)
        calendar_id = session.scalars(select(SlaCalendar.id).order_by(SlaCalendar.id)).first()
    return World(
        staff_ids,
        half,
        deactivated,
        target,
        template_id,
        attachment_id,
        calendar_id,
        case_cookie,
        client.cookies.get("svar_csrf"),
        token,
    )


def _fresh_session(services, user_id: int) -> str:
    """A new signed-in session (requests such as sign-out end the one they use)."""
    with services.write() as session:
        user = session.get(StaffUser, user_id)
        return sessions.open_session(session, user, now=services.clock())


def _url(world: World, path: str) -> str:
    """``path`` with its parameters filled in with things that exist in ``world``."""
    values = {
        "user_id": world.target_id,
        "key": MATRIX_ARTICLE,
        "lang": "en",
        "number": 1,
        "reference": world.case_cookie[0].removeprefix("svar_case_"),
        "attachment_id": world.attachment_id,
        "template_id": world.template_id,
        "calendar_id": world.calendar_id,
    }
    url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    assert "{" not in url, path
    return url


def _outcome(response) -> str:
    """What the person met: the sign-in page, a refusal, the page itself, or something broken."""
    if is_sign_in_redirect(response):
        return "sign in"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 404 or response.status_code >= 500:
        return f"broken ({response.status_code})"
    return "in"


def _request(client, services, world: World, principal: str, method: str, path: str):
    client.cookies.clear()
    client.cookies.set("svar_csrf", world.csrf_cookie, domain="testserver.local")
    if principal in world.staff_ids:
        use_session(client, _fresh_session(services, world.staff_ids[principal]))
    elif principal == "customer":
        client.cookies.set(*world.case_cookie, domain="testserver.local")
    elif principal == "customer_as_staff":  # the case link's secret tried as a staff session
        client.cookies.set(*world.case_cookie, domain="testserver.local")
        use_session(client, world.case_cookie[1])
    elif principal == "code_pending":
        use_session(client, world.half_signed_in)
    elif principal == "deactivated":
        use_session(client, world.deactivated)
    url = _url(world, path)
    if method == "GET":
        return client.get(url, follow_redirects=False)
    return client.post(url, data={"_csrf_token": world.csrf_token}, follow_redirects=False)


@pytest.mark.parametrize(
    ("method", "path", "allowed"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES]
)
def test_only_the_right_roles_get_in(client, services, world, method, path, allowed) -> None:
    """Those allowed get the real page or form answer (a 404 or a crash does not count as in)."""
    outcomes = {}
    for principal in PRINCIPALS:
        response = _request(client, services, world, principal, method, path)
        outcomes[principal] = _outcome(response)
    expected = {
        principal: "in"
        if principal in allowed
        else ("forbidden" if principal in ANYONE_STAFF else "sign in")
        for principal in PRINCIPALS
    }
    assert outcomes == expected


def test_a_form_posted_from_another_site_is_refused(client, services) -> None:
    make_staff(services, "ada@example.com", ["admin"])
    victim = make_staff(services, "eva@example.com", ["agent"])
    sign_in(client, "ada@example.com")
    token = session_cookie(client)
    for path in (f"/staff/users/{victim}/deactivate", "/staff/logout", "/staff/users"):
        response = client.post(
            path,
            data={"email": "mallory@example.com", "password": "x" * 20, "roles": "admin"},
            headers={"origin": "https://evil.example", "referer": "https://evil.example/"},
            follow_redirects=False,
        )
        assert response.status_code == 403, path
    assert load_user(services, victim).active
    assert session_cookie(client) == token
    assert client.get("/staff/users", follow_redirects=False).status_code == 200


def test_htmx_requests_are_told_where_to_sign_in(client) -> None:
    response = client.get("/staff/audit", headers={"hx-request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/staff/login?next=/staff/audit"


def test_the_wrong_role_sees_a_page_saying_so(client, services) -> None:
    make_staff(services, "olle@example.com", ["agent"])
    sign_in(client, "olle@example.com")
    response = client.get("/staff/users")
    assert response.status_code == 403
    notice = parse(response.text).find("section", class_="notice")
    assert notice is not None
    assert heading(response.text) == "You do not have access to this page"
    assert "This page is for staff with the Admin role." in notice.text
    assert "ask an admin" in notice.text
    assert notice.find("a", href="/staff/users/1") is None


def test_an_admin_is_told_the_desk_needs_its_own_role_and_where_to_add_it(client, services) -> None:
    """Roles are separate by design: the refusal says so and links to the admin's own page."""
    ada = make_staff(services, "ada@example.com", ["admin"])
    eva = make_staff(services, "eva@example.com", ["editor"])
    sign_in(client, "ada@example.com")
    for path, role in (("/staff/cases", "Agent"), ("/staff/kb", "Editor")):
        response = client.get(path)
        assert response.status_code == 403
        notice = parse(response.text).find("section", class_="notice")
        assert notice is not None
        assert f"This page is for staff with the {role} role." in notice.text
        assert "being an admin does not open the case desk or the knowledge base" in notice.text
        link = notice.find("a", href=f"/staff/users/{ada}")
        assert link is not None
        assert link.text == "Add roles on your user page"
    client.cookies.clear()
    sign_in(client, "eva@example.com")
    response = client.get("/staff/response-times", headers={"accept-language": "sv"})
    notice = parse(response.text).find("section", class_="notice")
    assert notice is not None
    assert "någon av rollerna Administratör eller Handläggare" in notice.text
    assert notice.find("a", href=f"/staff/users/{eva}") is None


# Every form that changes something, the sign-in forms too (signed out: ``allowed`` is empty).
POSTS = [(path, allowed) for method, path, allowed in ROUTES if method == "POST"]
POSTS += sorted((path, frozenset()) for method, path in PUBLIC if method == "POST")


def test_every_staff_post_route_is_in_the_csrf_test(settings, services) -> None:
    app = create_app(settings, services)
    posts = {path for method, path, _handler in _staff_routes(app) if method == "POST"}
    assert posts == {path for path, _ in POSTS}


@pytest.mark.parametrize(("path", "allowed"), POSTS, ids=[path for path, _ in POSTS])
def test_every_staff_form_is_refused_without_its_csrf_token(
    client, services, world, path, allowed
) -> None:
    """The right role, signed in, from another site: no token, no change (403 before anything)."""
    principal = sorted(allowed)[0] if allowed else "signed_out"
    _request(client, services, world, principal, "GET", "/staff/")  # signs in as ``principal``
    url = _url(world, path)
    before = _audit_count(services)
    for headers in ({}, {"origin": "https://evil.example", "referer": "https://evil.example/"}):
        response = client.post(url, data={}, headers=headers, follow_redirects=False)
        assert response.status_code == 403, (path, headers)
        wrong = client.post(
            url, data={"_csrf_token": "x" * 40}, headers=headers, follow_redirects=False
        )
        assert wrong.status_code == 403, (path, headers)
    assert _audit_count(services) == before


def _audit_count(services) -> int:
    with services.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
