"""One promise, everywhere: the confirmation page, the status page and the email (through real
SMTP) show the same instant that is stored on the case, a long queue included; a case waiting on
the customer says its clock is paused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from complaint_support import client_with, reference_from, send
from helpers import parse
from mail_support import drain, parts, read_html
from sqlalchemy import select

from portal.cases.case_steps import set_status
from portal.cases.models import Case
from portal.cases.reference import new_reference
from portal.sla.promise import case_promise, forget_snapshots, target_promise
from portal.sla.words import describe

PAUSED = "the clock on our response time is paused"


def _queue(services, ahead: int, answered: int) -> None:
    """``ahead`` unanswered cases, and ``answered`` first answers in the last few days."""
    now = datetime.now(UTC)
    with services.write() as session:
        for n in range(ahead + answered):
            done = n >= ahead
            session.add(
                Case(
                    reference=new_reference(),
                    status="resolved" if done else "new",
                    lang="sv",
                    email="someone@example.com",
                    category="billing",
                    description="Earlier.",
                    created_at=now - timedelta(days=3 if done else 0, minutes=n + 1),
                    first_response_at=now - timedelta(days=2) if done else None,
                    promised_at=now,
                )
            )
    forget_snapshots()


def test_confirmation_status_page_and_email_show_the_same_instant(settings, smtp_server) -> None:
    with client_with(settings, smtp_url=smtp_server.url) as (client, services):
        _queue(services, ahead=60, answered=10)
        confirmation = send(client, "sv", category="billing", follow_redirects=True)
        assert confirmation.status_code == 200, confirmation.text
        shown = parse(confirmation.text).find("main").find(class_="promise").find("time")

        with services.read() as session:
            case = session.scalars(select(Case).where(Case.email == "anna@example.com")).one()
            promise = case_promise(case)
            reference = case.reference
        text = describe(promise, "sv")
        assert datetime.fromisoformat(shown.get("datetime")) == case.promised_at
        assert shown.text == text.sentence
        # The queue made the promise longer than the policy target, honestly.
        assert case.promised_at > target_promise("billing", case.created_at, "sv").due
        assert promise.extra > timedelta(0)

        status = parse(client.get(f"/sv/case/{reference}").text).find("main")
        on_status = status.find(class_="promise").find("time")
        assert on_status.get("datetime") == shown.get("datetime")
        assert on_status.text == shown.text

        assert drain(services) == 1
        plain, html = parts(smtp_server.messages[0])
        _links, html_text, _tags = read_html(html)
        assert text.sentence in plain
        assert text.sentence in html_text
        assert text.iso.startswith(case.promised_at.astimezone(promise.tz).date().isoformat())


def test_the_form_shows_the_queue_before_anything_is_sent(settings) -> None:
    with client_with(settings) as (client, services):
        _queue(services, ahead=200, answered=5)
        form = parse(client.get("/en/complaint").text).find(class_="promise")
        times = [datetime.fromisoformat(t.get("datetime")) for t in form.find_all("time")]
    assert len(times) == 4
    now = datetime.now(UTC)
    for at in times:
        assert at > target_promise("product", now).due  # every row includes the queue


def test_a_case_waiting_on_the_customer_says_its_clock_is_paused(client, services) -> None:
    reference = reference_from(send(client, category="product"))
    assert PAUSED not in client.get(f"/en/case/{reference}").text
    with services.write() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        before = case.promised_at
        set_status(session, case, "waiting", datetime.now(UTC), author="Olle", public=True)
    page = parse(client.get(f"/en/case/{reference}").text).find("main")
    assert PAUSED in " ".join(page.text.split())
    with services.write() as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        set_status(
            session, case, "open", datetime.now(UTC) + timedelta(days=3), author="Anna", public=True
        )
        # Three days later: whatever working time passed is added to the promise.
        assert case.promised_at >= before
        assert case.paused_at is None
    assert PAUSED not in client.get(f"/en/case/{reference}").text
