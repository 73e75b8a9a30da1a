"""A whole conversation through a real SMTP server, in Swedish: the customer complains, an agent
replies, the customer adds information on the status page, the agent resolves, the customer rates.

Every email is checked the way a mail program reads it: one thread (``In-Reply-To`` and
``References`` back to the acknowledgement, ``[REF]`` in every subject), ``Auto-Submitted`` only on
automatic notices, and the customer's language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from case_conversation_support import AGENT_PASSWORD, agent, load_case, make_agent
from complaint_support import BASE_URL, PNG, reference_from, send
from helpers import page_form, parse
from litestar.testing import TestClient
from mail_support import drain, parts, read_html
from support import make_settings

from portal.app import create_app
from portal.cases.models import Case
from portal.cases.updates import add_public_reply, change_status
from portal.i18n import gettext
from portal.services import Services

LANG = "sv"
REPLY_INTRO = "%(agent)s from our customer service team has answered about your case %(reference)s:"


@pytest.fixture
def smtp_services(tmp_path: Path, database_url: str, smtp_server):
    services = Services.build(make_settings(tmp_path, database_url, smtp_url=smtp_server.url))
    yield services
    services.close()


def _case_id(services: Services, reference: str) -> int:
    from sqlalchemy import select

    with services.read() as session:
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        assert case_id is not None
        return case_id


def _link(message: EmailMessage) -> str:
    """The case-page link in both parts of an email (the same one), as a path."""
    text, html = parts(message)
    hrefs, _text, _tags = read_html(html)
    links = {h for h in hrefs if h.startswith(f"{BASE_URL}/{LANG}/c/")}
    assert len(links) == 1, hrefs
    link = links.pop()
    assert link in text
    return link.removeprefix(BASE_URL).split("#")[0]


def _ids(header: str | None) -> list[str]:
    return (header or "").split()


def _timeline(html: str) -> str:
    timeline = parse(html).by_id("timeline")
    assert timeline is not None
    return timeline.text


def test_complaint_reply_information_resolution_and_rating_make_one_thread(
    smtp_services: Services, smtp_server
) -> None:
    services = smtp_services
    settings = services.settings
    browser = TestClient(create_app(settings, services), base_url=BASE_URL)
    with browser:
        # 1. Anna complains in Swedish and gets the acknowledgement.
        sent = send(browser, LANG, name="Anna Svensson", description="Lampan kom trasig.")
        reference = reference_from(sent)
        case_id = _case_id(services, reference)
        assert drain(services) == 1
        [ack] = smtp_server.messages

        # 2. Maria, an agent, replies (as the case desk does).
        agent_id = make_agent(services, name="Maria Berg")
        with services.write() as session:
            add_public_reply(
                session, load_case(session, case_id), agent(session, agent_id),
                "Hej Anna! Skicka gärna en bild på lampan.", settings, datetime.now(UTC),
                status="waiting",
            )  # fmt: skip
        assert drain(services) == 1
        reply = smtp_server.messages[1]

        # 3. Anna follows the link in the reply, reads it and adds a photo on her case page.
        page = browser.get(_link(reply))
        assert page.status_code == 200
        assert "Hej Anna! Skicka gärna en bild på lampan." in _timeline(page.text)
        form = page_form(page.text, f"/{LANG}/case/{reference}/messages")
        added = browser.post(
            f"/{LANG}/case/{reference}/messages",
            data={**form, "message": "Här är bilden."},
            files=[("attachments", ("lampa.png", PNG, "image/png"))],
            follow_redirects=False,
        )
        assert added.status_code == 303
        with services.read() as session:
            case = load_case(session, case_id)
            assert (case.status, case.needs_attention) == ("open", True)
        page = browser.get(f"/{LANG}/case/{reference}")
        timeline = _timeline(page.text)
        assert "Här är bilden." in timeline
        assert "lampa.png" in timeline
        assert gettext(LANG, "You added information") in timeline
        assert drain(services) == 0  # her own words are not mailed back to her

        # 4. Maria resolves the case on the case desk, in her own browser; Anna is asked
        #    whether the problem is solved.
        with TestClient(create_app(settings, services), base_url=BASE_URL) as desk:
            login = page_form(desk.get("/staff/login").text, "/staff/login")
            login.update(email="maria@example.com", password=AGENT_PASSWORD)
            assert desk.post("/staff/login", data=login, follow_redirects=False).status_code == 303
            case_page = desk.get(f"/staff/cases/{reference}")
            assert "Här är bilden." in case_page.text
            status_form = page_form(case_page.text, f"/staff/cases/{reference}/status")
            resolved = desk.post(
                f"/staff/cases/{reference}/status",
                data={**status_form, "status": "resolved"},
                follow_redirects=False,
            )
            assert resolved.status_code == 303
        with services.read() as session:
            case = load_case(session, case_id)
            assert (case.status, case.needs_attention) == ("resolved", False)
        assert drain(services) == 1
        check_in = smtp_server.messages[2]
        text, html = parts(check_in)
        assert gettext(LANG, "Is your problem solved?") in text
        # The link opens the page at the question.
        assert f"{BASE_URL}{_link(check_in)}#solved" in text
        assert f"{BASE_URL}{_link(check_in)}#solved" in read_html(html)[0]

        # 5. Anna answers on the page: solved, 5 out of 5.
        page = browser.get(_link(check_in))
        solved = parse(page.text).by_id("solved")
        assert solved is not None
        form = page_form(page.text, f"/{LANG}/case/{reference}/feedback")
        rated = browser.post(
            f"/{LANG}/case/{reference}/feedback",
            data={**form, "answer": "yes", "rating": "5", "comment": "Snabbt och vänligt."},
            follow_redirects=False,
        )
        assert rated.status_code == 303
        with services.read() as session:
            case = load_case(session, case_id)
            assert (case.status, case.satisfaction, case.satisfaction_comment) == (
                "closed", 5, "Snabbt och vänligt.",
            )  # fmt: skip
        page = browser.get(f"/{LANG}/case/{reference}")
        assert parse(page.text).by_id("solved") is None  # asked once
        assert gettext(LANG, "Your rating: %(rating)s out of 5.", rating="5") in _timeline(
            page.text
        )

    # Every email: one thread, the reference in the subject, Swedish, a working link.
    assert len(smtp_server.messages) == 3
    ack_id = ack["Message-ID"]
    subject = gettext(LANG, "We have received your complaint")
    assert ack["Subject"] == f"[{reference}] {subject}"
    for message in (reply, check_in):
        assert message["Subject"] == f"Re: [{reference}] {subject}"
    assert reply["In-Reply-To"] == ack_id
    assert _ids(reply["References"]) == [ack_id]
    assert check_in["In-Reply-To"] == reply["Message-ID"]
    assert _ids(check_in["References"]) == [ack_id, reply["Message-ID"]]
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 3
    for message in smtp_server.messages:
        assert message["Content-Language"] == LANG
        assert message["To"].addresses[0].addr_spec == "anna@example.com"
        assert message["From"].addresses[0].addr_spec == "noreply@svar.localhost"
        assert message.get_content_type() == "multipart/alternative"
        assert _link(message) == _link(ack)  # the link Anna already has

    # Automatic notices say so; Maria's own words do not, and carry her name.
    assert ack["Auto-Submitted"] == "auto-generated"
    assert check_in["Auto-Submitted"] == "auto-generated"
    assert reply["Auto-Submitted"] is None
    assert reply["X-Auto-Response-Suppress"] is None
    assert "Maria Berg" in reply["From"].addresses[0].display_name
    text, html = parts(reply)
    _hrefs, html_text, _tags = read_html(html)
    for body in (text, html_text):
        assert "Hej Anna! Skicka gärna en bild på lampan." in body
        assert (
            gettext(
                LANG,
                "%(agent)s from our customer service team has answered about your case "
                "%(reference)s:",
                agent="Maria Berg",
                reference=reference,
            )
            in body
        )
        assert gettext(LANG, "This is an automatic message about case %(reference)s. Replies to "
                       "this email are not read, so please use your case page to write to us.",
                       reference=reference) not in body  # fmt: skip


def test_status_notice_is_automatic_and_threaded(smtp_services: Services, smtp_server) -> None:
    services = smtp_services
    browser = TestClient(create_app(services.settings, services), base_url=BASE_URL)
    with browser:
        reference = reference_from(send(browser, "en"))
    case_id = _case_id(services, reference)
    agent_id = make_agent(services)
    with services.write() as session:
        change_status(
            session, load_case(session, case_id), agent(session, agent_id), "waiting",
            services.settings, datetime.now(UTC),
        )  # fmt: skip
    assert drain(services) == 2
    # A batch is delivered concurrently, so the two may arrive in either order.
    [ack] = [m for m in smtp_server.messages if not m["Subject"].startswith("Re:")]
    [notice] = [m for m in smtp_server.messages if m["Subject"].startswith("Re:")]
    assert notice["Subject"] == f"Re: [{reference}] We have received your complaint"
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["In-Reply-To"] == ack["Message-ID"]
    text, _html = parts(notice)
    assert f"The status of your case {reference} is now: Waiting for your answer." in text
