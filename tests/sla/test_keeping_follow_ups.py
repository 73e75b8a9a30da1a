"""Following cases up, through a real SMTP server: "Is your problem solved?" asked again a working
day after the resolution, and cases that wait on the customer reminded and then closed with a
notice — each once, at working-time moments on the Swedish calendar (weekdays 08–17)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from case_conversation_support import agent, load_case
from helpers import parse
from keeping_support import events, kinds, load, local, make_staff, store_case, to
from litestar.testing import TestClient
from mail_support import drain, parts, read_html
from support import make_settings

from portal.app import create_app
from portal.cases.updates import (
    Feedback,
    add_customer_message,
    add_public_reply,
    answer_solved,
    change_status,
)
from portal.i18n import gettext
from portal.services import Services
from portal.sla.schedule import run_round

CREATED = local("2026-11-23 09:00")  # a Monday
PROMISED = local("2026-11-24 09:00")
FRIDAY_RESOLVED = local("2026-11-27 15:00")
CHECK_IN_DUE = local("2026-11-30 15:00")  # nine working hours later, after the weekend


def _services(tmp_path: Path, database_url: str, smtp_url: str, **overrides: object) -> Services:
    return Services.build(make_settings(tmp_path, database_url, smtp_url=smtp_url, **overrides))


@pytest.fixture
def smtp_services(tmp_path: Path, database_url: str, smtp_server):
    services = _services(
        tmp_path,
        database_url,
        smtp_server.url,
        check_in_after_working_hours=9,
        waiting_reminder_after_working_hours=9,
        waiting_close_after_working_hours=18,
    )
    yield services
    services.close()


def _delivered(services: Services, smtp_server) -> list:
    before = len(smtp_server.messages)
    drain(services)
    return smtp_server.messages[before:]


def _case_with_agent(services: Services) -> tuple[int, str, str, int]:
    maria = make_staff(services, "maria@example.com", "Maria Berg")
    case_id, reference, token = store_case(
        services, created=CREATED, promised=PROMISED, assignee_id=maria
    )
    return case_id, reference, token, maria


def _reply(services: Services, case_id: int, maria: int, at, status: str | None = None) -> None:
    with services.write() as session:
        add_public_reply(
            session,
            load_case(session, case_id),
            agent(session, maria),
            "Could you send us a photo of the lamp?",
            services.settings,
            at,
            status=status,
        )


def _resolve(services: Services, case_id: int, maria: int, at) -> None:
    with services.write() as session:
        change_status(
            session, load_case(session, case_id), agent(session, maria), "resolved",
            services.settings, at,
        )  # fmt: skip


# -- "Is your problem solved?" once more ----------------------------------------------------------


def test_the_check_in_is_asked_again_once_a_working_day_after_the_resolution(
    smtp_services, smtp_server
):
    case_id, reference, _token, maria = _case_with_agent(smtp_services)
    _reply(smtp_services, case_id, maria, local("2026-11-23 10:00"))
    _resolve(smtp_services, case_id, maria, FRIDAY_RESOLVED)
    sent_before = _delivered(smtp_services, smtp_server)
    [first_question] = [m for m in sent_before if "#solved" in parts(m)[0]]

    # The weekend does not count: nothing on Saturday or on Monday before 15:00.
    assert not run_round(smtp_services, local("2026-11-28 12:00"))
    assert not run_round(smtp_services, local("2026-11-30 14:59"))
    assert run_round(smtp_services, local("2026-11-30 15:01")) == {"check_in": 1}
    assert not run_round(smtp_services, local("2026-11-30 15:02"))
    assert not run_round(smtp_services, local("2026-12-03 10:00"))

    [again] = _delivered(smtp_services, smtp_server)
    assert to(again) == "anna@example.com"
    assert again["Subject"] == f"Re: [{reference}] " + gettext(
        "sv", "We have received your complaint"
    )
    assert again["In-Reply-To"] == first_question["Message-ID"]
    assert again["Auto-Submitted"] == "auto-generated"
    text, html = parts(again)
    hrefs, visible, _tags = read_html(html)
    assert gettext("sv", "Is your problem solved?") in visible
    [link] = {h for h in hrefs if "/sv/c/" in h}
    assert link.endswith("#solved")
    assert link in text
    assert kinds(smtp_services, case_id).count("check_in_reminder") == 1


def test_no_check_in_when_the_customer_has_answered(smtp_services):
    case_id, _reference, _token, maria = _case_with_agent(smtp_services)
    _resolve(smtp_services, case_id, maria, FRIDAY_RESOLVED)
    with smtp_services.write() as session:
        answer_solved(
            session,
            load_case(session, case_id),
            Feedback(answer="yes", rating="5"),
            smtp_services.settings,
            local("2026-11-28 10:00"),
        )
    assert not run_round(smtp_services, local("2026-11-30 15:01"))
    assert "check_in_reminder" not in kinds(smtp_services, case_id)


def test_no_check_in_weeks_after_the_resolution(smtp_services):
    """A worker that was stopped for a while does not ask about long-finished cases: after the
    fourteen days in which "not solved" reopens a case, the question is not sent."""
    case_id, _reference, _token, maria = _case_with_agent(smtp_services)
    _resolve(smtp_services, case_id, maria, FRIDAY_RESOLVED)
    assert not run_round(smtp_services, FRIDAY_RESOLVED + timedelta(days=14, minutes=1))
    assert "check_in_reminder" not in kinds(smtp_services, case_id)
    assert run_round(smtp_services, FRIDAY_RESOLVED + timedelta(days=13)) == {"check_in": 1}


def test_concurrent_and_restarted_schedulers_ask_once(tmp_path, database_url, smtp_server):
    first = _services(tmp_path, database_url, smtp_server.url)
    workers = [_services(tmp_path, database_url, smtp_server.url) for _ in range(4)]
    try:
        case_id, _reference, _token, maria = _case_with_agent(first)
        _resolve(first, case_id, maria, FRIDAY_RESOLVED)
        start = threading.Barrier(len(workers))
        done: list[int] = []

        def work(services: Services) -> None:
            start.wait()
            done.append(run_round(services, CHECK_IN_DUE).get("check_in", 0))

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(done) == [0, 0, 0, 1]
        first.close()
        restarted = _services(tmp_path, database_url, smtp_server.url)
        workers.append(restarted)
        assert not run_round(restarted, local("2026-12-01 09:00"))
        drain(restarted)
        assert kinds(restarted, case_id).count("check_in_reminder") == 1
        asked = [m for m in smtp_server.messages if "#solved" in parts(m)[0]]
        assert len(asked) == 2  # at the resolution, and once more
    finally:
        for services in workers:
            services.close()


# -- waiting on the customer ----------------------------------------------------------------------


def test_a_waiting_case_is_reminded_then_closed_with_a_notice(smtp_services, smtp_server):
    case_id, reference, token, maria = _case_with_agent(smtp_services)
    _reply(smtp_services, case_id, maria, local("2026-11-23 10:00"), status="waiting")
    _delivered(smtp_services, smtp_server)

    assert not run_round(smtp_services, local("2026-11-24 09:59"))
    assert run_round(smtp_services, local("2026-11-24 10:01")) == {"waiting_reminder": 1}
    assert not run_round(smtp_services, local("2026-11-24 16:00"))
    [reminder] = _delivered(smtp_services, smtp_server)
    assert to(reminder) == "anna@example.com"
    assert reminder["Auto-Submitted"] == "auto-generated"
    _text, html = parts(reminder)
    _hrefs, visible, _tags = read_html(html)
    assert (
        gettext("sv", "We are still waiting for your answer about your case %(reference)s.")
        % {"reference": reference}
        in visible
    )
    # It says when the case will be closed: 18 working hours after the wait began.
    assert "25 november kl. 10:00" in visible

    assert not run_round(smtp_services, local("2026-11-25 09:59"))
    assert load(smtp_services, case_id).status == "waiting"
    assert run_round(smtp_services, local("2026-11-25 10:01")) == {"auto_close": 1}
    assert not run_round(smtp_services, local("2026-11-25 10:02"))
    assert not run_round(smtp_services, local("2026-12-10 10:00"))

    case = load(smtp_services, case_id)
    assert case.status == "closed"
    [closed] = [e for e in events(smtp_services, case_id) if e.kind == "auto_closed"]
    assert closed.public
    assert closed.data == {"from": "waiting", "to": "closed"}
    [notice] = _delivered(smtp_services, smtp_server)
    text, html = parts(notice)
    assert (
        gettext("sv", "We have closed your case %(reference)s because we did not hear from you.")
        % {"reference": reference}
        in read_html(html)[1]
    )
    assert "#solved" in text
    assert kinds(smtp_services, case_id).count("waiting_reminder") == 1
    assert kinds(smtp_services, case_id).count("auto_closed") == 1

    with TestClient(
        create_app(smtp_services.settings, smtp_services), base_url="http://testserver.local"
    ) as browser:
        main = parse(browser.get(f"/sv/c/{token}").text).find("main")
    assert main is not None
    assert gettext("sv", "We closed the case because we did not hear from you") in main.text


def test_an_answer_from_the_customer_starts_the_wait_again(smtp_services, smtp_server):
    case_id, _reference, _token, maria = _case_with_agent(smtp_services)
    _reply(smtp_services, case_id, maria, local("2026-11-23 10:00"), status="waiting")
    with smtp_services.write() as session:
        add_customer_message(
            session,
            load_case(session, case_id),
            "Here is the photo.",
            [],
            smtp_services.settings,
            local("2026-11-24 09:00"),
        )
    assert not run_round(smtp_services, local("2026-11-24 10:01"))  # no longer waiting

    _reply(smtp_services, case_id, maria, local("2026-11-24 11:00"), status="waiting")
    assert not run_round(smtp_services, local("2026-11-25 10:59"))
    assert run_round(smtp_services, local("2026-11-25 11:01")) == {"waiting_reminder": 1}
    assert kinds(smtp_services, case_id).count("waiting_reminder") == 1


def test_waiting_over_a_weekend_counts_working_time_only(smtp_services):
    case_id, _reference, _token, maria = _case_with_agent(smtp_services)
    _reply(smtp_services, case_id, maria, local("2026-11-27 15:00"), status="waiting")  # Friday
    assert not run_round(smtp_services, local("2026-11-29 23:00"))  # Sunday night
    assert not run_round(smtp_services, local("2026-11-30 14:59"))
    assert run_round(smtp_services, local("2026-11-30 15:01")) == {"waiting_reminder": 1}
