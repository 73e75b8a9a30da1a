"""The private status page: what it shows, and that only the right link or cookie opens it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from complaint_support import BASE_URL, PDF, PNG, case_cookie, reference_from, send
from helpers import parse
from litestar.testing import TestClient
from sqlalchemy import select

from portal.app import create_app
from portal.cases.access import grant_access
from portal.cases.models import Attachment, Case, CaseEvent
from portal.sla.promise import case_promise
from portal.sla.words import describe


def _new_browser(settings, services) -> TestClient:
    return TestClient(create_app(settings, services), base_url=BASE_URL)


def _status_link(services, reference: str) -> str:
    """A fresh status link, as the acknowledgement email carries it."""
    with services.write() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        _access, token = grant_access(session, case, services.settings.secret_key)
    return f"/en/c/{token}"


def _main(response) -> str:
    """What the visitor reads (the language links differ only by the page's own URL)."""
    return parse(response.text).find("main").text


def _altered(token: str) -> str:
    flipped = "A" if token[5] != "A" else "B"
    return token[:5] + flipped + token[6:]


def test_status_page_shows_status_promise_timeline_and_what_was_sent(client, services) -> None:
    response = send(
        client,
        description="The lamp arrived broken.\nThe box was crushed.",
        category="product",
        desired_outcome="replacement",
        order_ref="A-1001",
        name="Anna Svensson",
        files=[("attachments", ("photo.png", PNG, "image/png"))],
    )
    reference = reference_from(response)
    page = client.get(f"/en/case/{reference}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    doc = parse(page.text)
    assert doc.find("body").get("hx-history") == "false"
    main = doc.find("main")
    assert main.find("h1").text == f"Your case {reference}"
    assert main.find(class_="status-badge").text == "Received"
    assert "Someone from our team will read it" in main.text
    with services.read() as session:
        case = session.scalars(select(Case)).one()
        promise = describe(case_promise(case), "en")
    assert promise.sentence in main.find(class_="promise").text
    timeline = [li.find("strong").text for li in main.find("ol", class_="timeline").find_all("li")]
    assert timeline == ["You sent your complaint"]
    facts = main.find("dl", class_="facts").text
    for shown in ("A product", "A replacement", "A-1001", "Anna Svensson", "anna@example.com"):
        assert shown in facts
    assert (
        main.find("div", class_="prewrap").raw_text
        == "The lamp arrived broken.\nThe box was crushed."
    )
    [link] = [a for a in main.find_all("a") if "/attachments/" in (a.get("href") or "")]
    assert link.text == "photo.png"


def test_only_public_events_are_shown(client, services) -> None:
    reference = reference_from(send(client))
    with services.write() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        now = datetime.now(UTC)
        session.add_all(
            [
                CaseEvent(
                    case_id=case.id,
                    created_at=now,
                    kind="note",
                    public=False,
                    body="Customer seems upset; check order 55.",
                ),
                CaseEvent(
                    case_id=case.id,
                    created_at=now,
                    kind="reply",
                    public=True,
                    body="We are sending a new lamp today.",
                ),
            ]
        )
    main = parse(client.get(f"/en/case/{reference}").text).find("main")
    assert "We are sending a new lamp today." in main.text
    assert "check order 55" not in main.text
    titles = [li.find("strong").text for li in main.find("ol", class_="timeline").find_all("li")]
    assert titles == ["You sent your complaint", "We replied"]


def test_without_the_cookie_the_case_does_not_exist(client, settings, services) -> None:
    reference = reference_from(send(client))
    with _new_browser(settings, services) as stranger:
        missing = stranger.get(f"/en/case/{reference}")
        unknown = stranger.get("/en/case/KXYA-7643")
        confirmation = stranger.get(f"/en/case/{reference}/confirmation")
    assert missing.status_code == unknown.status_code == confirmation.status_code == 404
    assert _main(missing) == _main(unknown)


def test_wrong_or_altered_cookie_gets_the_same_404(client, settings, services) -> None:
    reference = reference_from(send(client))
    token = case_cookie(client, reference)
    with _new_browser(settings, services) as stranger:
        stranger.cookies.set(f"svar_case_{reference}", secrets.token_urlsafe(32))
        wrong = stranger.get(f"/en/case/{reference}")
        stranger.cookies.set(f"svar_case_{reference}", _altered(token))
        altered = stranger.get(f"/en/case/{reference}")
        stranger.cookies.delete(f"svar_case_{reference}")
        missing = stranger.get(f"/en/case/{reference}")
    assert wrong.status_code == altered.status_code == missing.status_code == 404
    assert _main(wrong) == _main(altered) == _main(missing)


def test_one_cases_token_does_not_open_another(client, services) -> None:
    first = reference_from(send(client, description="First."))
    second = reference_from(send(client, description="Second."))
    client.cookies.set(f"svar_case_{second}", case_cookie(client, first))
    assert client.get(f"/en/case/{second}").status_code == 404


def test_email_link_is_exchanged_for_a_cookie_and_a_clean_url(client, settings, services) -> None:
    reference = reference_from(send(client))
    link = _status_link(services, reference)
    with _new_browser(settings, services) as browser:
        response = browser.get(link, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/en/case/{reference}"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"svar_case_{reference}=")
        assert "HttpOnly" in cookie
        page = browser.get(response.headers["location"])
        assert page.status_code == 200
        assert parse(page.text).find(class_="reference").text == reference


def test_wrong_or_altered_link_gets_the_same_404_as_a_missing_one(
    client, settings, services
) -> None:
    reference = reference_from(send(client))
    token = _status_link(services, reference).rsplit("/", 1)[1]
    with _new_browser(settings, services) as browser:
        browser.get("/en/")
        altered = browser.get(f"/en/c/{_altered(token)}", follow_redirects=False)
        truncated = browser.get(f"/en/c/{token[:-1]}", follow_redirects=False)
        missing = browser.get(f"/en/c/{secrets.token_urlsafe(32)}", follow_redirects=False)
        assert "set-cookie" not in altered.headers
        assert browser.get(f"/en/case/{reference}").status_code == 404
    assert altered.status_code == truncated.status_code == missing.status_code == 404
    assert _main(altered) == _main(truncated) == _main(missing)


def test_attachments_download_only_through_their_case(client, settings, services) -> None:
    first = reference_from(
        send(
            client,
            description="First.",
            files=[("attachments", ("receipt.pdf", PDF, "application/pdf"))],
        )
    )
    second = reference_from(
        send(
            client, description="Second.", files=[("attachments", ("photo.png", PNG, "image/png"))]
        )
    )
    with services.read() as session:
        ids = {
            a.filename: a.id for a in session.scalars(select(Attachment).order_by(Attachment.id))
        }
    download = client.get(f"/en/case/{first}/attachments/{ids['receipt.pdf']}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["content-disposition"].startswith("attachment")
    assert "receipt.pdf" in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "no-store"
    # Another case's file through this case's access, and a file without any access.
    assert client.get(f"/en/case/{first}/attachments/{ids['photo.png']}").status_code == 404
    with _new_browser(settings, services) as stranger:
        assert stranger.get(f"/en/case/{second}/attachments/{ids['photo.png']}").status_code == 404
    assert client.get(f"/en/case/{first}/attachments/999999").status_code == 404
