"""Two-step sign-in: RFC 6238 codes, enrolment on the account page, codes used only once."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from complaint_support import client_with
from helpers import error_summary, field_error, parse
from sqlalchemy import select
from staff_support import (
    Clock,
    audit_actions,
    is_sign_in_redirect,
    load_user,
    make_staff,
    session_cookie,
    sign_in,
    submit,
)

from portal.staff import totp, totp_storage
from portal.staff.models import AuditEntry, StaffUser

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_codes_match_the_rfc_6238_test_vectors(unix_time: int, code: str) -> None:
    # RFC 6238 appendix B (SHA-1), last six of the eight digits.
    assert totp.code_at(RFC_SECRET, datetime.fromtimestamp(unix_time, UTC)) == code


def test_a_code_is_accepted_one_step_either_side_and_no_further() -> None:
    now = datetime(2026, 3, 2, 9, 0, 15, tzinfo=UTC)
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        code = totp.code_for_step(RFC_SECRET, step + offset)
        assert totp.matching_step(RFC_SECRET, code, now) == step + offset
    for offset in (-2, 2):
        assert (
            totp.matching_step(RFC_SECRET, totp.code_for_step(RFC_SECRET, step + offset), now)
            is None
        )
    assert totp.matching_step(RFC_SECRET, "12345", now) is None
    assert totp.matching_step(RFC_SECRET, "abcdef", now) is None
    spaced = totp.code_for_step(RFC_SECRET, step)
    assert totp.matching_step(RFC_SECRET, f"{spaced[:3]} {spaced[3:]}", now) == step


def test_the_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = urlparse(totp.provisioning_uri(RFC_SECRET, "maja@example.com"))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert uri.path == "/Svar:maja@example.com"
    query = parse_qs(uri.query)
    assert query["secret"] == [RFC_SECRET]
    assert query["issuer"] == ["Svar"]
    assert query["digits"] == ["6"]
    assert query["period"] == ["30"]


def wrong_code(secret: str, now: datetime) -> str:
    """Six digits that are not valid at ``now`` (nor one step either side)."""
    step = totp.step_at(now)
    valid = {totp.code_for_step(secret, step + offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _enrol(client, services, clock) -> str:
    """Turn two-step sign-in on from the account page; returns the secret the page showed."""
    submit(client, "/staff/account", "/staff/account/totp/setup")
    page = client.get("/staff/account/totp")
    assert page.status_code == 200
    secret = parse(page.text).by_id("totp-secret").text.replace(" ", "")
    link = parse(page.text).find("a", href=totp.provisioning_uri(secret, "maja@example.com"))
    assert link is not None

    wrong = submit(
        client,
        "/staff/account/totp",
        "/staff/account/totp/confirm",
        code=wrong_code(secret, clock()),
    )
    assert wrong.status_code == 400
    assert error_summary(wrong.text) == [
        "That code is not right. Enter the six digits your app shows now."
    ]
    response = submit(
        client,
        "/staff/account/totp",
        "/staff/account/totp/confirm",
        code=totp.code_at(secret, clock()),
    )
    assert response.headers["location"] == "/staff/account?done=totp_on"
    return secret


def test_staff_turn_on_two_step_sign_in_and_then_need_a_code(client, services) -> None:
    clock = services.clock = Clock()
    user_id = make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    secret = _enrol(client, services, clock)
    assert load_user(services, user_id).totp_enabled
    assert ("account.totp_enable", "maja@example.com", str(user_id)) in audit_actions(services)
    submit(client, "/staff/", "/staff/logout")

    clock.advance(minutes=5)
    response = sign_in(client, "maja@example.com", next_path="/staff/account")
    assert response.headers["location"] == "/staff/login/code?next=%2Fstaff%2Faccount"
    half_way = session_cookie(client)
    # A correct password alone opens nothing.
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))

    wrong = submit(client, response.headers["location"], "/staff/login/code", code="999999x")
    assert wrong.status_code == 400
    assert error_summary(wrong.text) == [
        "That code is not right. Enter the six digits your app shows now."
    ]

    done = submit(
        client,
        response.headers["location"],
        "/staff/login/code",
        code=totp.code_at(secret, clock()),
    )
    assert done.headers["location"] == "/staff/account"
    assert session_cookie(client) != half_way  # a new session id once fully signed in
    assert client.get("/staff/account", follow_redirects=False).status_code == 200


def test_the_same_code_is_never_accepted_twice(client, services) -> None:
    clock = services.clock = Clock()
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    secret = _enrol(client, services, clock)
    submit(client, "/staff/", "/staff/logout")

    clock.advance(seconds=60)
    code = totp.code_at(secret, clock())
    sign_in(client, "maja@example.com")
    assert submit(client, "/staff/login/code", "/staff/login/code", code=code).status_code == 303
    submit(client, "/staff/", "/staff/logout")

    # Someone who watched the code being typed tries it within the same 30 seconds.
    sign_in(client, "maja@example.com")
    replay = submit(client, "/staff/login/code", "/staff/login/code", code=code)
    assert replay.status_code == 400
    assert is_sign_in_redirect(client.get("/staff/", follow_redirects=False))

    clock.advance(seconds=30)
    fresh = submit(
        client, "/staff/login/code", "/staff/login/code", code=totp.code_at(secret, clock())
    )
    assert fresh.status_code == 303


def test_the_code_step_expires_and_is_throttled(client, services) -> None:
    clock = services.clock = Clock()
    make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    secret = _enrol(client, services, clock)
    submit(client, "/staff/", "/staff/logout")

    sign_in(client, "maja@example.com")
    clock.advance(minutes=6)  # the half-way session lasts five minutes
    late = client.get("/staff/login/code", follow_redirects=False)
    assert late.headers["location"] == "/staff/login?done=expired"

    sign_in(client, "maja@example.com")
    for _ in range(5):
        code = wrong_code(secret, clock())
        assert (
            submit(client, "/staff/login/code", "/staff/login/code", code=code).status_code == 400
        )
    locked = submit(
        client, "/staff/login/code", "/staff/login/code", code=totp.code_at(secret, clock())
    )
    assert locked.status_code == 429


def test_turning_it_off_takes_a_current_code(client, services) -> None:
    clock = services.clock = Clock()
    user_id = make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    secret = _enrol(client, services, clock)
    clock.advance(seconds=30)

    refused = submit(client, "/staff/account", "/staff/account/totp/disable", code="")
    assert refused.status_code == 400
    assert load_user(services, user_id).totp_enabled

    ok = submit(
        client, "/staff/account", "/staff/account/totp/disable", code=totp.code_at(secret, clock())
    )
    assert ok.headers["location"] == "/staff/account?done=totp_off"
    assert not load_user(services, user_id).totp_enabled
    assert ("account.totp_disable", "maja@example.com", str(user_id)) in audit_actions(services)


def test_an_admin_can_turn_it_off_for_someone_who_lost_their_phone(client, services) -> None:
    clock = services.clock = Clock()
    maja = make_staff(services, "maja@example.com")
    make_staff(services, "ada@example.com", ["admin"])
    sign_in(client, "maja@example.com")
    _enrol(client, services, clock)
    client.cookies.clear()

    sign_in(client, "ada@example.com")
    response = submit(client, f"/staff/users/{maja}", f"/staff/users/{maja}/totp-reset")
    assert response.headers["location"] == f"/staff/users/{maja}?done=totp"
    assert ("user.totp_reset", "ada@example.com", str(maja)) in audit_actions(services)
    client.cookies.clear()

    assert sign_in(client, "maja@example.com").headers["location"] == "/staff/"


def test_after_the_secret_key_changes_the_person_is_told_and_an_admin_resets_it(
    client, services, settings
) -> None:
    """A new ``PORTAL_SECRET_KEY`` cannot open the secrets sealed under the old one: the code
    step says why no code works and what to do, the admin's page says so too, and a reset helps."""
    clock = services.clock = Clock()
    maja = make_staff(services, "maja@example.com")
    make_staff(services, "ada@example.com", ["admin"])
    sign_in(client, "maja@example.com")
    secret = _enrol(client, services, clock)
    clock.advance(minutes=5)

    with client_with(settings, secret_key=settings.secret_key + "-rotated") as (moved, after):
        after.clock = clock
        assert sign_in(moved, "maja@example.com").headers["location"] == "/staff/login/code"
        right = totp.code_at(secret, clock())
        response = submit(moved, "/staff/login/code", "/staff/login/code", code=right)
        assert response.status_code == 400
        message = field_error(response.text, "code")
        assert "can no longer be checked" in message
        assert "Ask an admin to turn off two-step sign-in" in message
        assert is_sign_in_redirect(moved.get("/staff/", follow_redirects=False))
        with after.read() as session:
            failed = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "sign_in.failed")
            ).all()
        assert failed[-1].details == {"reason": "code_unreadable"}

        moved.cookies.clear()
        sign_in(moved, "ada@example.com")
        page = parse(moved.get(f"/staff/users/{maja}").text)
        assert "can no longer be checked" in page.find("dl", class_="facts").text
        submit(moved, f"/staff/users/{maja}", f"/staff/users/{maja}/totp-reset")
        assert "can no longer be checked" not in moved.get(f"/staff/users/{maja}").text
        moved.cookies.clear()
        assert sign_in(moved, "maja@example.com").headers["location"] == "/staff/"


def test_the_secret_is_stored_encrypted_not_as_shown(client, services, settings) -> None:
    clock = services.clock = Clock()
    user_id = make_staff(services, "maja@example.com")
    sign_in(client, "maja@example.com")
    secret = _enrol(client, services, clock)
    stored = load_user(services, user_id).totp_secret
    assert stored is not None
    assert secret not in stored
    assert base64.b32decode(secret) not in base64.urlsafe_b64decode(stored + "==")
    assert len(stored) <= 64  # fits the column on PostgreSQL
    assert totp_storage.open_secret(stored, settings.secret_key, user_id) == secret
    # Another key, or the value copied onto another account, opens nothing.
    assert totp_storage.open_secret(stored, settings.secret_key + "x", user_id) is None
    assert totp_storage.open_secret(stored, settings.secret_key, user_id + 1) is None
    # Sealing twice gives different values (a fresh nonce each time).
    again = totp_storage.seal_secret(secret, settings.secret_key, user_id)
    assert again != stored
    assert totp_storage.open_secret(again, settings.secret_key, user_id) == secret


def test_a_secret_kept_in_plain_text_still_works_and_is_then_encrypted(client, services) -> None:
    """Rows written before encryption: read as they are, sealed at the first right code."""
    clock = services.clock = Clock()
    user_id = make_staff(services, "maja@example.com")
    with services.write() as session:
        user = session.get(StaffUser, user_id)
        user.totp_secret, user.totp_enabled = RFC_SECRET, True
    response = sign_in(client, "maja@example.com")
    assert response.headers["location"].startswith("/staff/login/code")
    done = submit(
        client, response.headers["location"], "/staff/login/code",
        code=totp.code_at(RFC_SECRET, clock()),
    )  # fmt: skip
    assert done.status_code == 303
    assert client.get("/staff/account", follow_redirects=False).status_code == 200
    stored = load_user(services, user_id).totp_secret
    assert stored != RFC_SECRET
    assert not totp_storage.is_plain(stored)
    # And the sealed secret keeps working for the next sign-in.
    submit(client, "/staff/", "/staff/logout")
    clock.advance(minutes=1)
    response = sign_in(client, "maja@example.com")
    done = submit(
        client, response.headers["location"], "/staff/login/code",
        code=totp.code_at(RFC_SECRET, clock()),
    )  # fmt: skip
    assert done.status_code == 303
    assert client.get("/staff/account", follow_redirects=False).status_code == 200
