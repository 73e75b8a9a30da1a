"""The customer's acknowledgement email, received by a real SMTP server."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from mail_support import drain, file_case, outbox_row, parts, read_html
from support import make_settings

from portal.cases.access import case_for_token
from portal.cases.models import Case
from portal.i18n import gettext
from portal.services import Services
from portal.sla.promise import case_promise
from portal.sla.words import describe


@pytest.fixture
def smtp_services(tmp_path: Path, database_url: str, smtp_server):
    services = Services.build(make_settings(tmp_path, database_url, smtp_url=smtp_server.url))
    yield services
    services.close()


def _promise_sentence(services: Services, case_id: int, lang: str) -> str:
    with services.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        return describe(case_promise(case), lang).sentence


def _case_link(html: str, lang: str) -> str:
    hrefs, _text, _tags = read_html(html)
    links = {h for h in hrefs if h.startswith(f"http://testserver.local/{lang}/c/")}
    assert len(links) == 1, hrefs
    return links.pop()


def test_customer_receives_acknowledgement_with_reference_promise_and_link(
    smtp_services, smtp_server
) -> None:
    description = "The invoice charges me twice. " + "x" * 600 + " END-OF-TEXT"
    queued = file_case(smtp_services, description=description, attachments=2, name="Anna Svensson")

    assert drain(smtp_services) == 1

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes == [("noreply@svar.localhost", ["anna@example.com"])]
    assert message["Subject"] == f"[{queued.reference}] We have received your complaint"
    assert message["From"].addresses[0].addr_spec == "noreply@svar.localhost"
    assert message["To"].addresses[0].addr_spec == "anna@example.com"
    assert message["To"].addresses[0].display_name == "Anna Svensson"
    assert message["Message-ID"] == queued.message_id
    assert re.fullmatch(r"<[0-9a-f]{32}@svar\.localhost>", message["Message-ID"])
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "en"
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]

    text, html = parts(message)
    promise = _promise_sentence(smtp_services, queued.case_id, "en")
    _links, html_text, _tags = read_html(html)
    for body in (text, html_text):
        assert queued.reference in body
        assert f"We will reply {promise}." in body
        assert "Billing or a misunderstanding" in body
        assert "A refund" in body
        assert "A-1001" in body
        assert "2 files" in body
        assert "The invoice charges me twice. xxxxxxxx" in body
        assert "END-OF-TEXT" not in body  # a summary, not the whole description
        assert "Replies to this email do not reach a person" in body

    link = _case_link(html, "en")
    assert link in text
    token = link.rsplit("/", 1)[1]
    with smtp_services.read() as session:
        opened = case_for_token(session, token)
        assert opened is not None
        assert opened.reference == queued.reference

    row = outbox_row(smtp_services, queued.outbox_id)
    assert row.status == "sent"
    assert row.sent_at is not None
    assert row.subject == message["Subject"]


def test_acknowledgement_is_written_in_the_case_language(smtp_services, smtp_server) -> None:
    queued = file_case(smtp_services, lang="sv", category="product")

    drain(smtp_services)

    message = smtp_server.messages[0]
    assert message["Content-Language"] == "sv"
    text, html = parts(message)
    promise = _promise_sentence(smtp_services, queued.case_id, "sv")
    assert promise in text
    assert promise in read_html(html)[1]
    assert 'lang="sv"' in html
    link = _case_link(html, "sv")
    with smtp_services.read() as session:
        opened = case_for_token(session, link.rsplit("/", 1)[1])
        assert opened is not None
        assert opened.id == queued.case_id


def test_customer_text_is_escaped_in_the_html_part(smtp_services, smtp_server) -> None:
    file_case(
        smtp_services,
        name="<b>Mallory</b>",
        description='<script>alert("x")</script> <img src=x onerror=alert(1)>',
        order_ref="<i>A-1</i>",
    )

    drain(smtp_services)

    text, html = parts(smtp_server.messages[0])
    _links, visible, tags = read_html(html)
    assert "script" not in tags
    assert "img" not in tags
    assert "b" not in tags
    assert "i" not in tags
    assert '<script>alert("x")</script>' in visible
    assert "<b>Mallory</b>" in visible
    assert "<b>Mallory</b>" in text


def test_line_breaks_in_the_name_cannot_add_headers(smtp_services, smtp_server) -> None:
    file_case(
        smtp_services,
        name="Eve\r\nBcc: victim@example.org\r\nX-Injected: yes\nSubject: free money",
    )

    drain(smtp_services)

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes[0][1] == ["anna@example.com"]
    assert message["Bcc"] is None
    assert message["X-Injected"] is None
    assert len(message.get_all("Subject")) == 1
    assert "free money" not in message["Subject"]
    to = message["To"].addresses
    assert [a.addr_spec for a in to] == ["anna@example.com"]
    assert to[0].display_name.startswith("Eve")
    text, _html = parts(message)
    assert "Hello Eve Bcc: victim@example.org X-Injected: yes Subject: free money," in text


def test_fresh_case_link_email_opens_the_case(smtp_services, smtp_server) -> None:
    queued = file_case(smtp_services, kind="case_link", lang="nb")

    drain(smtp_services)

    message = smtp_server.messages[0]
    subject = gettext("nb", "Your link to follow your case")
    assert subject != "Your link to follow your case"
    assert message["Subject"] == f"[{queued.reference}] {subject}"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "nb"
    text, html = parts(message)
    link = _case_link(html, "nb")
    assert link in text
    with smtp_services.read() as session:
        opened = case_for_token(session, link.rsplit("/", 1)[1])
        assert opened is not None
        assert opened.id == queued.case_id
