"""The customer's side of the conversation on the status page: adding information, answering
"Is your problem solved?", the self-refreshing timeline, and what never shows there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from case_conversation_support import agent, load_case, make_agent
from complaint_support import BASE_URL, EXE, PNG, reference_from, send
from helpers import field_error, page_form, parse
from litestar.testing import TestClient
from sqlalchemy import select
from support import make_settings

from portal.app import create_app
from portal.cases.models import Case, CaseEvent
from portal.cases.updates import add_internal_note, add_public_reply, change_status
from portal.services import Services


def _complain(client: TestClient, services: Services) -> tuple[str, int]:
    reference = reference_from(send(client, "en"))
    with services.read() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
    assert case_id is not None
    return reference, case_id


def _post_message(client: TestClient, reference: str, text: str, files=None):  # type: ignore[no-untyped-def]
    page = client.get(f"/en/case/{reference}")
    form = page_form(page.text, f"/en/case/{reference}/messages")
    return client.post(
        f"/en/case/{reference}/messages",
        data={**form, "message": text},
        files=files or [("attachments", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )


def _textarea(html: str, name: str) -> str:
    found = parse(html).find("textarea", name=name)
    assert found is not None
    text = found.raw_text
    return text[1:] if text.startswith("\n") else text


def _resolve(services: Services, case_id: int, at: datetime) -> None:
    agent_id = make_agent(services)
    with services.write() as session:
        change_status(
            session, load_case(session, case_id), agent(session, agent_id), "resolved",
            services.settings, at,
        )  # fmt: skip


def test_internal_notes_never_reach_the_customer(client: TestClient, services: Services) -> None:
    reference, case_id = _complain(client, services)
    agent_id = make_agent(services)
    with services.write() as session:
        case, staff = load_case(session, case_id), agent(session, agent_id)
        add_internal_note(session, case, staff, "SECRET: customer is a reseller", datetime.now(UTC))
        add_public_reply(
            session, case, staff, "We will send a new lamp.", services.settings, datetime.now(UTC)
        )
    page = client.get(f"/en/case/{reference}")
    live = client.get(f"/en/case/{reference}/live", headers={"HX-Request": "true"})
    for response in (page, live):
        assert response.status_code == 200
        text = parse(response.text).text
        assert "We will send a new lamp." in text
        assert "SECRET" not in text
        assert "Maria Berg" not in text  # agents' names stay inside


def test_added_information_appears_on_the_timeline_and_flags_the_case(
    client: TestClient, services: Services
) -> None:
    reference, case_id = _complain(client, services)
    response = _post_message(
        client, reference, "The box was wet too.", [("attachments", ("box.png", PNG, "image/png"))]
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    thanks = parse(page.text).find(role="status")
    assert thanks is not None
    assert thanks.text == "Thank you. What you added is now on your case, and we have been told."
    timeline = parse(page.text).by_id("timeline")
    assert timeline is not None
    assert "You added information" in timeline.text
    assert "The box was wet too." in timeline.text
    links = [a.get("href") for a in timeline.find_all("a")]
    assert any(h and h.startswith(f"/en/case/{reference}/attachments/") for h in links)
    download = client.get(next(h for h in links if h and "/attachments/" in h))
    assert download.content == PNG
    with services.read() as session:
        assert load_case(session, case_id).needs_attention is True


def test_bad_information_is_explained_next_to_the_field_and_the_text_is_kept(
    client: TestClient, services: Services
) -> None:
    reference, case_id = _complain(client, services)
    long_text = "Ä" * 20_001
    too_long = _post_message(client, reference, long_text)
    assert too_long.status_code == 422
    assert "the limit is 20,000" in field_error(too_long.text, "message")
    assert _textarea(too_long.text, "message") == long_text

    empty = _post_message(client, reference, "  ")
    assert empty.status_code == 422
    assert (
        field_error(empty.text, "message") == "Error: Write your message, in a few words or more."
    )

    program = _post_message(
        client, reference, "Here is the tool.", [("attachments", ("tool.png", EXE, "image/png"))]
    )
    assert program.status_code == 422
    assert "looks like a Windows program" in field_error(program.text, "attachments")
    assert _textarea(program.text, "message") == "Here is the tool."
    with services.read() as session:
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id))
        assert list(kinds) == ["submitted"]


def test_a_refused_file_keeps_the_accepted_ones_for_the_next_try(
    client: TestClient, services: Services
) -> None:
    reference, _case_id = _complain(client, services)
    first = _post_message(
        client,
        reference,
        "Two files.",
        [("attachments", ("ok.png", PNG, "image/png")), ("attachments", ("bad.exe", EXE, "x"))],
    )
    assert first.status_code == 422
    form = page_form(first.text, f"/en/case/{reference}/messages")
    assert form["message"] == "Two files."
    assert form.get("staged")
    again = client.post(
        f"/en/case/{reference}/messages",
        data=form,
        files=[("attachments", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )
    assert again.status_code == 303
    timeline = parse(client.get(f"/en/case/{reference}").text).by_id("timeline")
    assert timeline is not None
    assert "ok.png" in timeline.text


def test_only_the_case_cookie_and_the_csrf_token_let_a_message_in(
    client: TestClient, services: Services, settings
) -> None:  # type: ignore[no-untyped-def]
    reference, case_id = _complain(client, services)
    page = client.get(f"/en/case/{reference}")
    form = page_form(page.text, f"/en/case/{reference}/messages")
    without_csrf = {k: v for k, v in form.items() if k != "_csrf_token"}
    refused = client.post(
        f"/en/case/{reference}/messages",
        data={**without_csrf, "message": "Hello"},
        files=[("attachments", ("", b"", "application/octet-stream"))],
        headers={"x-csrftoken": ""},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    with TestClient(create_app(settings, services), base_url=BASE_URL) as stranger:
        stranger.get("/en/complaint")  # a CSRF cookie of its own, but no case cookie
        token = stranger.cookies.get("svar_csrf")
        response = stranger.post(
            f"/en/case/{reference}/messages",
            data={"message": "Let me in", "_csrf_token": token},
            files=[("attachments", ("", b"", "application/octet-stream"))],
            follow_redirects=False,
        )
        assert response.status_code == 404
        assert stranger.get(f"/en/case/{reference}/live").status_code == 404
    with services.read() as session:
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id))
        assert list(kinds) == ["submitted"]


def test_the_page_refreshes_its_timeline_with_htmx(client: TestClient, services: Services) -> None:
    reference, case_id = _complain(client, services)
    page = parse(client.get(f"/en/case/{reference}").text)
    live = page.by_id("live")
    assert live is not None
    assert live.get("hx-get") == f"/en/case/{reference}/live?asking=0"
    assert live.get("hx-trigger") == "every 20s"
    assert live.get("hx-swap") == "outerHTML"
    agent_id = make_agent(services)
    with services.write() as session:
        add_public_reply(
            session, load_case(session, case_id), agent(session, agent_id), "News for you.",
            services.settings, datetime.now(UTC),
        )  # fmt: skip
    fragment = client.get(f"/en/case/{reference}/live", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    block = parse(fragment.text)
    assert block.find("html") is None  # only the block, not a whole page
    refreshed = block.by_id("live")
    assert refreshed is not None
    assert refreshed.get("hx-get") == f"/en/case/{reference}/live?asking=0"
    assert "News for you." in refreshed.text
    assert fragment.headers["cache-control"] == "no-store"
    assert block.by_id("solved-slot") is None  # nothing to ask yet


def test_the_refresh_brings_the_solved_question_once_when_the_case_is_resolved(
    client: TestClient, services: Services
) -> None:
    reference, case_id = _complain(client, services)
    page = parse(client.get(f"/en/case/{reference}").text)
    assert page.by_id("solved-slot") is not None
    assert page.by_id("solved") is None
    _resolve(services, case_id, datetime.now(UTC))

    url = f"/en/case/{reference}/live"
    fragment = parse(client.get(url + "?asking=0", headers={"HX-Request": "true"}).text)
    slot = fragment.by_id("solved-slot")
    assert slot is not None
    assert slot.get("hx-swap-oob") == "true"
    form = slot.find("form")
    assert form.get("action") == f"/en/case/{reference}/feedback"
    assert form.find("input", name="_csrf_token") is not None
    assert fragment.by_id("live").get("hx-get") == url + "?asking=1"
    # A page that already asks is left alone: a half-filled answer is never replaced.
    again = parse(client.get(url + "?asking=1", headers={"HX-Request": "true"}).text)
    assert again.by_id("solved-slot") is None


def test_solved_question_appears_after_resolution_and_a_late_no_opens_a_linked_case(
    client: TestClient, services: Services
) -> None:
    reference, case_id = _complain(client, services)
    page = parse(client.get(f"/en/case/{reference}").text)
    assert page.by_id("solved") is None
    assert page.by_id("add-information") is not None

    _resolve(services, case_id, datetime.now(UTC) - timedelta(days=15))
    html = client.get(f"/en/case/{reference}").text
    assert parse(html).by_id("solved") is not None
    assert parse(html).by_id("add-information") is None
    form = page_form(html, f"/en/case/{reference}/feedback")

    missing = client.post(
        f"/en/case/{reference}/feedback",
        data={**form, "rating": "2", "comment": "Broken again."},
        follow_redirects=False,
    )
    assert missing.status_code == 422
    assert field_error(missing.text, "answer") == "Error: Tell us whether your problem is solved."
    kept = page_form(missing.text, f"/en/case/{reference}/feedback")
    assert (kept.get("rating"), kept["comment"]) == ("2", "Broken again.")

    answered = client.post(
        f"/en/case/{reference}/feedback",
        data={**kept, "answer": "no"},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    new_reference = reference_from(answered)
    assert new_reference != reference
    new_page = client.get(answered.headers["location"])
    assert new_page.status_code == 200  # this browser can open the new case
    assert new_reference in parse(new_page.text).find("h1").text
    assert f"The earlier case has the reference {reference}." in new_page.text
    old_page = parse(client.get(f"/en/case/{reference}").text)
    assert f"Your new case has the reference {new_reference}." in old_page.by_id("timeline").text
    with services.read() as session:
        new = session.scalar(select(Case).where(Case.reference == new_reference))
        assert new is not None
        assert new.parent_case_id == case_id
        assert new.description == "Broken again."


def test_a_quick_no_reopens_the_same_case(client: TestClient, services: Services) -> None:
    reference, case_id = _complain(client, services)
    _resolve(services, case_id, datetime.now(UTC) - timedelta(days=2))
    html = client.get(f"/en/case/{reference}").text
    form = page_form(html, f"/en/case/{reference}/feedback")
    answered = client.post(
        f"/en/case/{reference}/feedback", data={**form, "answer": "no"}, follow_redirects=False
    )
    assert answered.status_code == 303
    assert answered.headers["location"].startswith(f"/en/case/{reference}")
    thanked = parse(client.get(answered.headers["location"]).text).find(role="status")
    assert thanked is not None
    assert thanked.text == "Thank you for your answer."
    page = parse(client.get(f"/en/case/{reference}").text)
    assert page.find(role="status") is None  # only right after sending
    assert "Being handled" in page.by_id("status-title").text
    assert "The case was reopened" in page.by_id("timeline").text
    assert page.by_id("add-information") is not None


def test_case_page_posts_are_rate_limited_per_client(tmp_path, database_url) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, database_url, post_rate_limit_per_minute=2)
    services = Services.build(settings)
    try:
        with TestClient(create_app(settings, services), base_url=BASE_URL) as browser:
            reference, _case_id = _complain(browser, services)
            statuses = [
                _post_message(browser, reference, f"Note {n}").status_code for n in (1, 2, 3)
            ]
            assert statuses == [303, 303, 429]
            page = parse(browser.get(f"/en/case/{reference}").text).by_id("timeline")
            assert page is not None
            assert "Note 2" in page.text
            assert "Note 3" not in page.text
    finally:
        services.close()
