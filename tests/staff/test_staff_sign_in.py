"""Signing in to the back office: one message for every failure, throttling, session handling."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from helpers import error_summary, page_form, parse
from sqlalchemy import select
from staff_support import (
    PASSWORD,
    Clock,
    app_client,
    audit_actions,
    heading,
    is_sign_in_redirect,
    load_user,
    login_form,
    make_staff,
    session_cookie,
    set_cookie_attributes,
    sign_in,
    submit,
    use_session,
)
from support import TEST_SECRET, make_settings

from portal.services import Services
from portal.settings import Settings
from portal.staff import accounts
from portal.staff.models import StaffSession, StaffUser
from portal.staff.throttle import FAILURES_PER_ACCOUNT, SignInThrottle

WRONG = "The email address or password is not right."


def test_staff_member_signs_in_and_reaches_the_back_office(client, services) -> None:
    make_staff(services, "Maja@Example.com", ["agent"], name="Maja Lind")

    first = client.get("/staff/", follow_redirects=False)
    assert is_sign_in_redirect(first)

    response = sign_in(client, "  maja@EXAMPLE.com ")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200
    assert heading(page.text) == "Welcome, Maja Lind"
    links = {a.get("href") for a in parse(page.text).find_all("a")}
    assert "/staff/cases" in links
    assert "/staff/users" not in links  # agents do not manage users
    assert "/staff/kb" not in links


def test_session_cookie_is_http_only_same_site_and_scoped_to_the_back_office(
    client, services
) -> None:
    make_staff(services, "maja@example.com")
    attrs = set_cookie_attributes(sign_in(client, "maja@example.com"))
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "lax"
    assert attrs["path"] == "/staff"
    assert "secure" not in attrs  # plain http in development
    assert len(attrs["value"]) >= 40


def test_session_cookie_is_secure_in_production(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(
        tmp_path, database_url, env="prod", secret_key=TEST_SECRET, smtp_url="smtp://127.0.0.1:1"
    )
    services = Services.build(settings)
    try:
        make_staff(services, "maja@example.com")
        with app_client(settings, services, base_url="https://testserver.local") as client:
            attrs = set_cookie_attributes(sign_in(client, "maja@example.com"))
            assert "secure" in attrs
            assert "httponly" in attrs
    finally:
        services.close()


def test_wrong_password_and_unknown_email_get_the_same_answer(client, services) -> None:
    make_staff(services, "maja@example.com")
    wrong_password = sign_in(client, "maja@example.com", "not the password at all")
    unknown_email = sign_in(client, "nobody@example.com", "not the password at all")

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert error_summary(wrong_password.text) == error_summary(unknown_email.text) == [WRONG]
    assert session_cookie(client) is None
    # The address typed is kept; the password is not sent back.
    form = page_form(wrong_password.text, "/staff/login")
    assert form["email"] == "maja@example.com"
    assert form["password"] == ""


def test_empty_fields_are_named_next_to_the_field(client) -> None:
    response = sign_in(client, "", "")
    assert response.status_code == 400
    assert error_summary(response.text) == ["Enter your email address.", "Enter your password."]
    doc = parse(response.text)
    assert doc.by_id("email-error").text.endswith("Enter your email address.")
    assert doc.by_id("email").get("aria-invalid") == "true"


def test_deactivated_staff_cannot_sign_in(client, services) -> None:
    user_id = make_staff(services, "maja@example.com")
    with services.write() as session:
        accounts.deactivate(session, session.get(StaffUser, user_id), by=None)
    response = sign_in(client, "maja@example.com")
    assert response.status_code == 400
    assert error_summary(response.text) == [WRONG]
    assert session_cookie(client) is None


def test_sign_in_returns_to_the_page_asked_for_and_never_leaves_the_site(client, services) -> None:
    make_staff(services, "ada@example.com", ["admin"])
    asked = client.get("/staff/users?sort=name", follow_redirects=False)
    assert asked.headers["location"] == "/staff/login?next=/staff/users%3Fsort%3Dname"

    back = sign_in(client, "ada@example.com", next_path="/staff/users%3Fsort%3Dname")
    assert back.headers["location"] == "/staff/users?sort=name"

    outside_paths = (
        "https://evil.example/",
        "//evil.example/staff",
        "/en/",
        "/staffing",
        "/staff/../en/",
    )
    for outside in outside_paths:
        use_session(client, None)
        response = sign_in(client, "ada@example.com", next_path=outside)
        assert response.headers["location"] == "/staff/", outside


def test_a_new_session_id_is_issued_at_every_sign_in(client, services) -> None:
    make_staff(services, "maja@example.com")
    use_session(client, "planted-by-someone-else-0123456789")
    sign_in(client, "maja@example.com")
    first = session_cookie(client)
    assert first
    assert first != "planted-by-someone-else-0123456789"

    sign_in(client, "maja@example.com")
    second = session_cookie(client)
    assert second
    assert second != first
    assert client.get("/staff/", follow_redirects=False).status_code == 200

    use_session(client, first)  # the session from before the second sign-in is over
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))


def test_sign_out_ends_the_session_on_the_server(client, services) -> None:
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    token = session_cookie(client)

    response = submit(client, "/staff/", "/staff/logout")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?done=signed_out"
    assert set_cookie_attributes(response)["max-age"] == "0"
    assert "You have signed out." in client.get("/staff/login?done=signed_out").text

    use_session(client, token)  # a copied cookie opens nothing any more
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))


def test_sign_out_everywhere_ends_the_other_sessions_too(client, services) -> None:
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    laptop = session_cookie(client)
    use_session(client, None)
    sign_in(client, "maja@example.com")
    phone = session_cookie(client)

    response = submit(client, "/staff/account", "/staff/logout/everywhere")
    assert response.headers["location"] == "/staff/login?done=everywhere"
    for token in (laptop, phone):
        use_session(client, token)
        assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))
    assert ("sign_out_everywhere", "maja@example.com") in [a[:2] for a in audit_actions(services)]


def test_a_session_ends_after_the_idle_time_but_not_while_in_use(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, staff_session_idle_minutes=2)
    services = Services.build(settings)
    clock = services.clock = Clock()
    try:
        make_staff(services, "maja@example.com")
        with app_client(settings, services) as client:
            sign_in(client, "maja@example.com")
            for _ in range(5):  # ten minutes of work, a request every 100 seconds
                clock.advance(seconds=100)
                assert client.get("/staff/", follow_redirects=False).status_code == 200

            clock.advance(seconds=121)
            response = client.get("/staff/account", follow_redirects=False)
            assert response.headers["location"] == "/staff/login?next=/staff/account"
            with services.read() as session:
                assert session.scalars(select(StaffSession)).all() == []
    finally:
        services.close()


def test_a_busy_session_still_ends_twelve_hours_after_sign_in(client, services) -> None:
    clock = services.clock = Clock()
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    for _ in range(23):
        clock.advance(minutes=30)
        assert client.get("/staff/", follow_redirects=False).status_code == 200
    clock.advance(minutes=31)
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))


def test_repeated_failures_lock_the_account_for_a_while(client, services) -> None:
    make_staff(services, "maja@example.com")
    make_staff(services, "olle@example.com")
    for _ in range(5):
        assert sign_in(client, "maja@example.com", "guess guess guess").status_code == 400

    locked = sign_in(client, "maja@example.com")  # even the right password now waits
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert error_summary(locked.text)[0].startswith("Too many sign-in attempts.")
    assert session_cookie(client) is None

    # An address that does not exist is throttled the same way (nothing to learn from it).
    for _ in range(5):
        sign_in(client, "ghost@example.com", "guess guess guess")
    assert sign_in(client, "ghost@example.com", "guess guess guess").status_code == 429

    assert sign_in(client, "olle@example.com").status_code == 303  # others are unaffected


def test_many_failures_from_one_client_are_throttled(client, services) -> None:
    make_staff(services, "maja@example.com")
    for n in range(20):
        sign_in(client, f"person{n}@example.com", "guess guess guess")
    response = sign_in(client, "maja@example.com")
    assert response.status_code == 429
    assert session_cookie(client) is None


def test_a_correct_sign_in_clears_the_account_count(client, services) -> None:
    make_staff(services, "maja@example.com")
    for _ in range(4):
        sign_in(client, "maja@example.com", "guess guess guess")
    assert sign_in(client, "maja@example.com").status_code == 303
    for _ in range(4):
        assert sign_in(client, "maja@example.com", "guess guess guess").status_code == 400
    assert sign_in(client, "maja@example.com").status_code == 303


def test_sign_ins_and_failures_are_audited(client, services) -> None:
    user_id = make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com", "guess guess guess")
    sign_in(client, "nobody@example.com", "guess guess guess")
    sign_in(client, "maja@example.com")
    submit(client, "/staff/", "/staff/logout")
    actions = audit_actions(services)
    assert actions == [
        ("user.create", "", str(user_id)),
        ("sign_in.failed", "", str(user_id)),
        ("sign_in.failed", "", ""),  # an unknown address is not written down
        ("sign_in", "maja@example.com", str(user_id)),
        ("sign_out", "maja@example.com", str(user_id)),
    ]
    assert load_user(services, user_id).last_login_at is not None


def test_old_password_hashes_are_upgraded_at_sign_in(client, services) -> None:
    user_id = make_staff(services, "maja@example.com")
    old = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=2).hash(PASSWORD)
    with services.write() as session:
        session.get(StaffUser, user_id).password_hash = old
    assert sign_in(client, "maja@example.com").status_code == 303
    upgraded = load_user(services, user_id).password_hash
    assert upgraded != old
    assert upgraded.startswith("$argon2id$")
    assert not accounts.HASHER.check_needs_rehash(upgraded)


def test_a_sign_in_form_without_its_csrf_token_is_refused(client, services) -> None:
    make_staff(services, "maja@example.com")
    response = client.post(
        "/staff/login",
        data={"email": "maja@example.com", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert session_cookie(client) is None


@pytest.mark.parametrize("action", ["/staff/login", "/staff/login/code"])
def test_an_oversized_sign_in_post_is_refused_before_it_is_read(client, services, action) -> None:
    make_staff(services, "maja@example.com")
    values = login_form(client)
    values.update(email="maja@example.com", password="x" * 200_000)
    response = client.post(action, data=values, follow_redirects=False)
    assert response.status_code == 413
    assert session_cookie(client) is None
    assert sign_in(client, "maja@example.com").status_code == 303  # nothing counted against her


def test_staff_pages_are_never_cached_indexed_or_leaked_by_referrer(client, services) -> None:
    make_staff(services, "maja@example.com")
    responses = [
        client.get("/staff/login"),
        client.get("/staff/", follow_redirects=False),
        sign_in(client, "maja@example.com"),
        client.get("/staff/"),
        client.get("/staff/users"),  # 403 for an agent
    ]
    assert responses[-1].status_code == 403
    for response in responses:
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "noindex" in response.headers["x-robots-tag"]


@pytest.mark.parametrize("done", ["signed_out", "everywhere", "expired"])
def test_the_sign_in_page_says_why_it_is_shown(client, done) -> None:
    page = client.get(f"/staff/login?done={done}")
    notice = parse(page.text).find(class_="panel")
    assert notice is not None
    assert notice.get("role") == "status"


@pytest.fixture(params=["memory", "redis"])
def counter_store(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "memory":
        from litestar.stores.memory import MemoryStore

        return MemoryStore()
    url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not url:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set: Redis variant skipped")
    from litestar.stores.redis import RedisStore

    return lambda: RedisStore.with_client(url, namespace=f"svar-test-{uuid.uuid4().hex}")


def test_sign_in_counters_work_in_the_shared_store(counter_store) -> None:
    """With PORTAL_REDIS_URL every instance sees the same counts."""

    async def scenario() -> None:
        store = counter_store() if callable(counter_store) else counter_store
        throttle = SignInThrottle(store, Settings())
        try:
            for _ in range(FAILURES_PER_ACCOUNT - 1):
                await throttle.failed("Maja@example.com", "192.0.2.1")
            assert await throttle.retry_after("maja@example.com", "192.0.2.2") is None
            await throttle.failed("maja@example.com ", "192.0.2.2")
            wait = await throttle.retry_after("MAJA@example.com", "192.0.2.3")
            assert wait is not None
            assert 0 < wait <= 15 * 60
            await throttle.succeeded("maja@example.com")
            assert await throttle.retry_after("maja@example.com", "192.0.2.3") is None
        finally:
            if hasattr(store, "delete_all"):
                await store.delete_all()

    asyncio.run(scenario())
