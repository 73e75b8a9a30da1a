"""Back-office test helpers: accounts, signing in like a browser, a clock to travel with."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from helpers import page_form, parse
from litestar.testing import TestClient
from sqlalchemy import select

from portal.app import create_app
from portal.services import Services
from portal.settings import Settings
from portal.staff import accounts
from portal.staff.guards import SESSION_COOKIE
from portal.staff.models import AuditEntry, StaffUser

BASE_URL = "http://testserver.local"
PASSWORD = "correct horse battery staple"


class Clock:
    """A clock the test moves by hand (``services.clock = clock``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_staff(
    services: Services,
    email: str,
    roles: Iterable[str] = ("agent",),
    password: str = PASSWORD,
    name: str = "",
) -> int:
    with services.write() as session:
        return accounts.create_user(session, email, password, roles, name).id


def load_user(services: Services, user_id: int) -> StaffUser:
    with services.read() as session:
        user = session.get(StaffUser, user_id)
        assert user is not None
        return user


def audit_actions(services: Services) -> list[tuple[str, str, str]]:
    """(action, actor email, target id) of every audit entry, oldest first."""
    with services.read() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.action, r.actor_email, r.target_id) for r in rows]


@contextmanager
def app_client(settings: Settings, services: Services, base_url: str = BASE_URL) -> Iterator[Any]:
    with TestClient(create_app(settings, services), base_url=base_url) as client:
        yield client


def login_form(client: TestClient, next_path: str | None = None) -> dict[str, Any]:
    url = "/staff/login" + (f"?next={next_path}" if next_path else "")
    response = client.get(url)
    assert response.status_code == 200, response.text
    return page_form(response.text, "/staff/login")


def sign_in(
    client: TestClient,
    email: str,
    password: str = PASSWORD,
    next_path: str | None = None,
) -> Any:
    """Fill in the sign-in form as a browser would; the response is not followed."""
    values = login_form(client, next_path)
    values.update(email=email, password=password)
    return client.post("/staff/login", data=values, follow_redirects=False)


def submit(client: TestClient, page: str, action: str, **fields: Any) -> Any:
    """Open ``page``, fill in the form that posts to ``action`` and send it (not followed)."""
    response = client.get(page)
    assert response.status_code == 200, response.text
    values = page_form(response.text, action)
    values.update(fields)
    return client.post(action, data=values, follow_redirects=False)


def csrf_token(client: TestClient) -> str:
    """The token a page's forms carry (reading the sign-in page also sets the CSRF cookie)."""
    return str(login_form(client)["_csrf_token"])


def session_cookie(client: TestClient) -> str | None:
    return client.cookies.get(SESSION_COOKIE)


def use_session(client: TestClient, token: str | None) -> None:
    client.cookies.delete(SESSION_COOKIE)
    if token:
        client.cookies.set(SESSION_COOKIE, token, domain="testserver.local", path="/staff")


def is_sign_in_redirect(response: Any) -> bool:
    """Sent to the sign-in page by a guard (not a sign-out's own redirect with ``?done=``)."""
    location = response.headers.get("location", "")
    return response.status_code == 303 and (
        location == "/staff/login" or location.startswith("/staff/login?next=")
    )


def heading(html: str) -> str:
    h1 = parse(html).find("h1")
    return h1.text if h1 is not None else ""


def set_cookie_attributes(response: Any, name: str = SESSION_COOKIE) -> dict[str, str]:
    """The attributes of the ``Set-Cookie`` header for ``name`` (lower-cased names)."""
    for header in response.headers.get_list("set-cookie"):
        first, *rest = [part.strip() for part in header.split(";")]
        key, _, value = first.partition("=")
        if key == name:
            attrs = {"value": value.strip('"')}
            for part in rest:
                k, _, v = part.partition("=")
                attrs[k.lower()] = v
            return attrs
    raise AssertionError(f"no Set-Cookie for {name}")
