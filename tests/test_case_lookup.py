"""Finding a case again: reference and email bring a fresh link, and reveal nothing otherwise."""

from __future__ import annotations

from complaint_support import BASE_URL, client_with, reference_from, send
from helpers import field_error, page_form, parse
from litestar.testing import TestClient
from sqlalchemy import func, select

from portal.app import create_app
from portal.cases.access import token_for
from portal.cases.models import CaseAccess
from portal.i18n import gettext
from portal.mail.models import OutboxMessage


def _track(client: TestClient, lang: str = "en", **fields: str):
    form = page_form(client.get(f"/{lang}/track").text, f"/{lang}/track")
    form.update(fields)
    return client.post(f"/{lang}/track", data=form, follow_redirects=False)


def _links_queued(services) -> list[OutboxMessage]:
    with services.read() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_link")))


def _accesses(services) -> int:
    with services.read() as session:
        return session.scalar(select(func.count()).select_from(CaseAccess)) or 0


def _main(client: TestClient, response) -> str:
    return parse(client.get(response.headers["location"]).text).find("main").text


def test_track_form_has_reference_and_email(client) -> None:
    page = parse(client.get("/en/track").text)
    form = page.find("form", action="/en/track")
    names = {el.get("name") for el in form.iter() if el.get("name")}
    assert {"reference", "email", "_csrf_token"} <= names
    assert page.by_id("email").get("autocomplete") == "email"
    assert page.find("label", for_="reference") is not None


def test_matching_reference_and_email_queue_a_fresh_link(client, services) -> None:
    reference = reference_from(send(client, email="anna@example.com", lang="sv"))
    before = _accesses(services)
    response = _track(client, "sv", reference=reference, email="ANNA@example.com")
    assert response.status_code == 303
    assert response.headers["location"] == "/sv/track?sent=1"
    [row] = _links_queued(services)
    assert (row.recipient, row.lang, row.status) == ("anna@example.com", "sv", "pending")
    assert _accesses(services) == before + 1
    # The queued link opens the case in a browser that has never seen it.
    with services.read() as session:
        access = session.get(CaseAccess, row.payload["access_id"])
    token = token_for(access.nonce, services.settings.secret_key)
    with TestClient(create_app(services.settings, services), base_url=BASE_URL) as browser:
        opened = browser.get(f"/sv/c/{token}")
        assert opened.status_code == 200
        assert parse(opened.text).find(class_="reference").text == reference


def test_loosely_typed_reference_is_understood(client, services) -> None:
    reference = reference_from(send(client))
    typed = reference.replace("-", " ").lower()
    assert _track(client, reference=typed, email="anna@example.com").status_code == 303
    assert len(_links_queued(services)) == 1


def test_match_and_mismatch_read_the_same(client, services) -> None:
    reference = reference_from(send(client, email="anna@example.com"))
    match = _track(client, reference=reference, email="anna@example.com")
    wrong_email = _track(client, reference=reference, email="eve@example.com")
    unknown_case = _track(client, reference="KXYA-7643", email="anna@example.com")
    assert match.status_code == wrong_email.status_code == unknown_case.status_code == 303
    assert match.headers["location"] == wrong_email.headers["location"]
    assert match.headers["location"] == unknown_case.headers["location"]
    assert _main(client, match) == _main(client, wrong_email) == _main(client, unknown_case)
    assert "If the reference and the email address belong to the same case" in _main(client, match)
    # Only the match sent anything.
    assert [row.recipient for row in _links_queued(services)] == ["anna@example.com"]


def test_badly_typed_reference_and_email_are_explained(client, services) -> None:
    response = _track(client, reference="12", email="anna")
    assert response.status_code == 422
    assert "like K7M3-QX9T" in field_error(response.text, "reference")
    assert "valid email address" in field_error(response.text, "email")
    kept = page_form(response.text, "/en/track")
    assert (kept["reference"], kept["email"]) == ("12", "anna")
    assert _links_queued(services) == []


def test_track_without_csrf_token_is_forbidden(client) -> None:
    client.get("/en/track")
    response = client.post("/en/track", data={"reference": "KXYA-7643", "email": "a@b.se"})
    assert response.status_code == 403


def test_track_requests_are_rate_limited(settings) -> None:
    with client_with(settings, track_rate_limit_per_hour=2) as (client, _services):
        for _ in range(2):
            assert (
                _track(client, "nb", reference="KXYA-7643", email="a@example.com").status_code
                == 303
            )
        limited = _track(client, "nb", reference="KXYA-7643", email="a@example.com")
        assert limited.status_code == 429
        page = parse(limited.text)
        assert page.find("html").get("lang") == "nb"
        assert page.find("h1").text == gettext("nb", "Too many attempts")
        # The complaint form has its own, separate limit.
        assert send(client, "nb").status_code == 303


def test_fresh_link_is_written_in_the_language_of_the_case(client, services) -> None:
    reference = reference_from(send(client, email="ola@example.com", lang="nb"))
    _track(client, "en", reference=reference, email="ola@example.com")
    [row] = _links_queued(services)
    assert row.lang == "nb"
