"""From the form to the inbox: a complaint sent through the web page is acknowledged by email,
and the link in that email opens the case in another browser."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from complaint_support import BASE_URL, client_with, count_cases, reference_from, send
from helpers import parse
from litestar.testing import TestClient
from mail_support import drain, outbox_rows, parts, read_html
from sqlalchemy import update

from portal.app import create_app
from portal.mail.models import OutboxMessage


@pytest.mark.parametrize("lang", ["en", "sv"])
def test_form_to_inbox_to_status_page(settings, smtp_server, lang) -> None:
    with client_with(settings, smtp_url=smtp_server.url) as (client, services):
        response = send(client, lang, name="Anna\r\nBcc: eve@example.com", category="service")
        reference = reference_from(response)
        assert drain(services) == 1

        [message] = smtp_server.messages
        assert reference in message["Subject"]
        assert message["To"].addresses[0].addr_spec == "anna@example.com"
        assert message["Bcc"] is None  # the line break in the name stayed inside the name
        assert message["To"].addresses[0].display_name == "Anna Bcc: eve@example.com"
        assert [rcpt for _sender, rcpt in smtp_server.envelopes] == [["anna@example.com"]]
        text, html = parts(message)
        hrefs, _text, _tags = read_html(html)
        [link] = {h for h in hrefs if h.startswith(f"{BASE_URL}/{lang}/c/")}
        assert link in text

        with TestClient(create_app(services.settings, services), base_url=BASE_URL) as phone:
            page = phone.get(link.removeprefix(BASE_URL))
            assert page.status_code == 200
            assert parse(page.text).find(class_="reference").text == reference


def test_smtp_down_at_submit_keeps_the_case_and_confirms(settings, smtp_server) -> None:
    smtp_server.stop()
    with client_with(settings, smtp_url=smtp_server.url) as (client, services):
        response = send(client)
        assert response.status_code == 303
        confirmation = client.get(response.headers["location"])
        assert "We have sent a confirmation" in parse(confirmation.text).find("main").text
        assert count_cases(services) == 1
        drain(services)  # cannot connect: the message waits in the outbox
        [row] = outbox_rows(services)
        assert (row.status, row.attempts) == ("pending", 1)

        smtp_server.start()
        with services.write() as session:  # skip the back-off wait
            session.execute(update(OutboxMessage).values(next_attempt_at=datetime.now(UTC)))
        assert drain(services) == 1
        [message] = smtp_server.messages
        assert reference_from(response) in message["Subject"]
