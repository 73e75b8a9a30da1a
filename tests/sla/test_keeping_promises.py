"""Keeping the first-response promise, through a real SMTP server: agents are warned once before a
promise is broken, and the customer is told an honest new time once, before the old one passes.

The scheduler's rounds run at fixed moments on the Swedish calendar (weekdays 08–17,
Europe/Stockholm): a case promised for Tuesday 24 November 2026 at 12:00.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from case_conversation_support import agent, load_case
from helpers import parse
from keeping_support import (
    deactivate,
    events,
    kinds,
    load,
    local,
    make_staff,
    store_case,
    to,
)
from litestar.testing import TestClient
from mail_support import drain, parts, read_html
from support import make_settings

from portal.app import create_app
from portal.cases.desk import desk_page
from portal.cases.updates import add_public_reply
from portal.i18n import gettext, ngettext
from portal.services import Services
from portal.sla.keeping import measured_promise, tell_customer_late
from portal.sla.schedule import run_round

CREATED = local("2026-11-23 10:00")
PROMISED = local("2026-11-24 12:00")
FORTY_MINUTES_LEFT = local("2026-11-24 11:20")
FIFTEEN_MINUTES_LEFT = local("2026-11-24 11:45")


def _services(tmp_path: Path, database_url: str, smtp_url: str, **overrides: object) -> Services:
    return Services.build(make_settings(tmp_path, database_url, smtp_url=smtp_url, **overrides))


@pytest.fixture
def smtp_services(tmp_path: Path, database_url: str, smtp_server):
    services = _services(tmp_path, database_url, smtp_server.url)
    yield services
    services.close()


def _delivered(services: Services, smtp_server) -> list:
    """Send what is queued; the messages the SMTP server accepted since the last call."""
    before = len(smtp_server.messages)
    drain(services)
    return smtp_server.messages[before:]


# -- the agents' warning --------------------------------------------------------------------------


def test_the_assignee_is_warned_once_before_the_promise_runs_out(smtp_services, smtp_server):
    maria = make_staff(smtp_services, "maria@example.com", "Maria Berg")
    make_staff(smtp_services, "olle@example.com", "Olle Ek")
    case_id, reference, _token = store_case(
        smtp_services, created=CREATED, promised=PROMISED, assignee_id=maria
    )
    _delivered(smtp_services, smtp_server)  # the acknowledgement

    assert not run_round(smtp_services, local("2026-11-24 10:59"))  # 61 working minutes left
    assert run_round(smtp_services, FORTY_MINUTES_LEFT) == {"breach_warning": 1}
    assert not run_round(smtp_services, FORTY_MINUTES_LEFT)
    assert not run_round(smtp_services, local("2026-11-24 11:25"))

    [warning] = _delivered(smtp_services, smtp_server)
    assert to(warning) == "maria@example.com"
    assert reference in warning["Subject"]
    assert warning["Auto-Submitted"] == "auto-generated"
    text, html = parts(warning)
    hrefs, visible, _tags = read_html(html)
    assert f"http://testserver.local/staff/cases/{reference}" in hrefs
    assert f"http://testserver.local/staff/cases/{reference}" in text
    # In the case's language (Swedish), with the working time left and the promised time.
    left = ngettext(
        "sv", "Only %(num)d working minute is left.", "Only %(num)d working minutes are left.", 40
    )
    assert "40" in left
    assert left in visible
    assert "12:00" in visible
    assert kinds(smtp_services, case_id).count("promise_at_risk") == 1


def test_an_unassigned_case_warns_the_team_address(tmp_path, database_url, smtp_server):
    services = _services(
        tmp_path, database_url, smtp_server.url, agents_team_email="support-team@example.com"
    )
    try:
        make_staff(services, "olle@example.com", "Olle Ek")
        store_case(services, created=CREATED, promised=PROMISED)
        _delivered(services, smtp_server)
        run_round(services, FORTY_MINUTES_LEFT)
        assert [to(m) for m in _delivered(services, smtp_server)] == ["support-team@example.com"]
    finally:
        services.close()


def test_without_a_team_address_every_active_agent_is_warned(smtp_services, smtp_server):
    make_staff(smtp_services, "olle@example.com", "Olle Ek")
    make_staff(smtp_services, "lisa@example.com", "Lisa Ek")
    gone = make_staff(smtp_services, "gone@example.com", "Former Agent")
    deactivate(smtp_services, gone)
    make_staff(smtp_services, "editor@example.com", "Eva Editor", roles=("editor",))
    # An assignee who has left counts as no assignee.
    store_case(smtp_services, created=CREATED, promised=PROMISED, assignee_id=gone)
    _delivered(smtp_services, smtp_server)

    run_round(smtp_services, FORTY_MINUTES_LEFT)
    warned = sorted(to(m) for m in _delivered(smtp_services, smtp_server))
    assert warned == ["lisa@example.com", "olle@example.com"]


# -- the honest late update -----------------------------------------------------------------------


def test_the_customer_is_told_a_new_time_once_and_the_status_page_shows_it(
    smtp_services, smtp_server
):
    case_id, reference, token = store_case(smtp_services, created=CREATED, promised=PROMISED)
    [acknowledgement] = _delivered(smtp_services, smtp_server)

    assert run_round(smtp_services, FIFTEEN_MINUTES_LEFT)["late_update"] == 1
    for later in ("2026-11-24 11:46", "2026-11-24 11:50", "2026-11-24 11:59"):
        assert not run_round(smtp_services, local(later)).get("late_update")
    messages = _delivered(smtp_services, smtp_server)
    [update] = [m for m in messages if to(m) == "anna@example.com"]

    case = load(smtp_services, case_id)
    assert case.promised_at > PROMISED
    assert case.original_promised_at == PROMISED
    assert measured_promise(case) == PROMISED  # the promise-kept rate measures the first one
    [moved] = [e for e in events(smtp_services, case_id) if e.kind == "promise_moved"]
    assert moved.public
    assert datetime.fromisoformat(moved.data["from"]) == PROMISED
    assert datetime.fromisoformat(moved.data["to"]) == case.promised_at

    # In the customer's thread and language, automatic, naming the old and the new time.
    assert update["Subject"] == f"Re: [{reference}] " + gettext(
        "sv", "We have received your complaint"
    )
    assert update["In-Reply-To"] == acknowledgement["Message-ID"]
    assert update["Auto-Submitted"] == "auto-generated"
    assert update["Content-Language"] == "sv"
    _text, html = parts(update)
    html_doc = parse(html)
    [when] = html_doc.find_all("time")
    assert datetime.fromisoformat(when.get("datetime") or "") == case.promised_at
    assert f"{case.promised_at.astimezone(PROMISED.tzinfo):%H:%M}" in when.text
    assert "12:00" in html_doc.text  # the old time

    # The status page shows the same new instant, and the event on its timeline.
    with TestClient(
        create_app(smtp_services.settings, smtp_services), base_url="http://testserver.local"
    ) as browser:
        main = parse(browser.get(f"/sv/c/{token}").text).find("main")
    assert main is not None
    promise = main.find("div", **{"class": "promise"})
    assert promise is not None
    shown = promise.find("time")
    assert shown is not None
    assert datetime.fromisoformat(shown.get("datetime") or "") == case.promised_at
    title = gettext("sv", "We told you a new time for our answer")
    [moved_entry] = [li for li in main.find_all("li") if title in li.text]
    # The timeline entry itself says what the new time is.
    assert f"{case.promised_at.astimezone(PROMISED.tzinfo):%H:%M}" in moved_entry.text


def test_the_new_time_is_later_by_the_margin_and_in_opening_hours(smtp_services):
    case_id, _reference, _token = store_case(smtp_services, created=CREATED, promised=PROMISED)
    run_round(smtp_services, FIFTEEN_MINUTES_LEFT)
    new = load(smtp_services, case_id).promised_at.astimezone(PROMISED.tzinfo)
    # Four working hours from 11:45 on an empty queue: 15:45 the same day.
    assert new == local("2026-11-24 15:45")

    # Agents read it on the case's timeline too.
    with smtp_services.read() as session:
        page = desk_page(
            session, load_case(session, case_id), "en", now=FIFTEEN_MINUTES_LEFT, base_url=""
        )
    [moved] = [e for e in page.events if e.title == "The customer was told a new response time"]
    assert moved.detail == "New response time: by Tuesday 24 November at 15:45"
    assert moved.public


def test_a_longer_queue_moves_the_new_time_further(smtp_services):
    for n in range(12):
        store_case(smtp_services, created=CREATED, promised=PROMISED - timedelta(minutes=n + 1))
    case_id, _reference, _token = store_case(smtp_services, created=CREATED, promised=PROMISED)
    with smtp_services.write() as session:
        # The cases ahead were told first; this one goes at the end of the queue.
        assert tell_customer_late(session, case_id, smtp_services.settings, FIFTEEN_MINUTES_LEFT)
    new = load(smtp_services, case_id).promised_at
    # Twelve cases ahead at (at least) one answer per working hour: 4 h margin + 12 h.
    assert new.astimezone(PROMISED.tzinfo) == local("2026-11-26 09:45")


def test_no_late_update_or_warning_after_a_first_response(smtp_services, smtp_server):
    maria = make_staff(smtp_services, "maria@example.com", "Maria Berg")
    case_id, _reference, _token = store_case(
        smtp_services, created=CREATED, promised=PROMISED, assignee_id=maria
    )
    with smtp_services.write() as session:
        add_public_reply(
            session,
            load_case(session, case_id),
            agent(session, maria),
            "We are looking into it.",
            smtp_services.settings,
            local("2026-11-24 09:00"),
        )
    for moment in ("2026-11-24 11:20", "2026-11-24 11:45", "2026-11-24 11:59"):
        assert not run_round(smtp_services, local(moment))
    assert kinds(smtp_services, case_id) == ["acknowledgement", "agent_reply"]
    assert load(smtp_services, case_id).promised_at == PROMISED


def test_never_a_late_update_once_the_old_time_has_passed(smtp_services):
    case_id, _reference, _token = store_case(smtp_services, created=CREATED, promised=PROMISED)
    assert not run_round(smtp_services, local("2026-11-24 12:01"))
    assert kinds(smtp_services, case_id) == ["acknowledgement"]
    assert load(smtp_services, case_id).original_promised_at is None


def test_a_promise_that_runs_out_overnight_is_updated_before_closing(smtp_services):
    """Working time: at 16:40 a promise for 08:10 next morning has 30 working minutes left."""
    case_id, _reference, _token = store_case(
        smtp_services, created=CREATED, promised=local("2026-11-25 08:10")
    )
    assert not run_round(smtp_services, local("2026-11-24 16:39")).get("late_update")
    assert run_round(smtp_services, local("2026-11-24 16:41"))["late_update"] == 1
    assert "promise_moved" in kinds(smtp_services, case_id)


def test_a_moved_promise_is_a_new_promise_kept_the_same_way(smtp_services):
    """If the new time is about to be missed too, agents and customer hear again — once each."""
    maria = make_staff(smtp_services, "maria@example.com", "Maria Berg")
    case_id, _reference, _token = store_case(
        smtp_services, created=CREATED, promised=PROMISED, assignee_id=maria
    )
    assert run_round(smtp_services, FIFTEEN_MINUTES_LEFT) == {
        "breach_warning": 1,
        "late_update": 1,
    }
    second = load(smtp_services, case_id).promised_at
    assert second.astimezone(PROMISED.tzinfo) == local("2026-11-24 15:45")
    assert not run_round(smtp_services, local("2026-11-24 14:44"))  # 61 minutes left
    assert run_round(smtp_services, local("2026-11-24 15:20")) == {
        "breach_warning": 1,
        "late_update": 1,
    }
    assert not run_round(smtp_services, local("2026-11-24 15:30"))
    case = load(smtp_services, case_id)
    assert case.original_promised_at == PROMISED  # still the first one
    assert case.promised_at > second
    assert kinds(smtp_services, case_id).count("promise_at_risk") == 2
    assert kinds(smtp_services, case_id).count("promise_moved") == 2


def test_a_case_waiting_on_the_customer_is_not_late(smtp_services):
    case_id, _reference, _token = store_case(
        smtp_services, created=CREATED, promised=PROMISED, status="waiting"
    )
    assert not run_round(smtp_services, FIFTEEN_MINUTES_LEFT)
    assert kinds(smtp_services, case_id) == ["acknowledgement"]


# -- exactly once: concurrent schedulers and restarts ---------------------------------------------


def test_concurrent_rounds_send_each_message_once(tmp_path, database_url, smtp_server):
    first = _services(tmp_path, database_url, smtp_server.url)
    workers = [_services(tmp_path, database_url, smtp_server.url) for _ in range(4)]
    try:
        maria = make_staff(first, "maria@example.com", "Maria Berg")
        cases = [
            store_case(
                first,
                created=CREATED,
                promised=PROMISED + timedelta(minutes=n),
                email=f"customer{n}@example.com",
                assignee_id=maria,
            )[0]
            for n in range(3)
        ]
        start = threading.Barrier(len(workers))
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def work(services: Services) -> None:
            try:
                start.wait()
                results.append(dict(run_round(services, FIFTEEN_MINUTES_LEFT)))
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert sum(r.get("late_update", 0) for r in results) == 3
        assert sum(r.get("breach_warning", 0) for r in results) == 3
        for case_id in cases:
            assert kinds(first, case_id).count("promise_moved") == 1
            assert kinds(first, case_id).count("promise_at_risk") == 1
            moved = [e for e in events(first, case_id) if e.kind == "promise_moved"]
            assert len(moved) == 1
        drain(first)
        customers = [to(m) for m in smtp_server.messages if to(m).startswith("customer")]
        assert sorted(customers) == sorted(
            [f"customer{n}@example.com" for n in range(3)] * 2  # acknowledgement + update
        )
    finally:
        for services in (first, *workers):
            services.close()


def test_a_restarted_scheduler_does_not_send_again(tmp_path, database_url, smtp_server):
    before = _services(tmp_path, database_url, smtp_server.url)
    case_id, _reference, _token = store_case(before, created=CREATED, promised=PROMISED)
    assert run_round(before, FIFTEEN_MINUTES_LEFT)["late_update"] == 1
    before.close()

    after = _services(tmp_path, database_url, smtp_server.url)  # a new process, same database
    try:
        assert not run_round(after, FIFTEEN_MINUTES_LEFT)
        assert not run_round(after, local("2026-11-24 11:55"))
        drain(after)
        updates = [m for m in smtp_server.messages if "Re:" in str(m["Subject"])]
        assert len(updates) == 1
        assert kinds(after, case_id).count("promise_moved") == 1
    finally:
        after.close()


# -- where the scheduler runs ---------------------------------------------------------------------


def test_the_server_keeps_promises_in_process(tmp_path, database_url, smtp_server):
    """With the in-process worker (dev), starting the app runs a round at ``services.clock``."""
    services = _services(
        tmp_path,
        database_url,
        smtp_server.url,
        outbox_in_process=True,
        keeping_interval_seconds=0.2,
    )
    services.clock = lambda: FIFTEEN_MINUTES_LEFT
    try:
        case_id, reference, _token = store_case(services, created=CREATED, promised=PROMISED)
        with TestClient(create_app(services.settings, services)):
            deadline = time.monotonic() + 30
            while not any(reference in str(m["Subject"]) and "Re:" in str(m["Subject"])
                          for m in smtp_server.messages):  # fmt: skip
                assert time.monotonic() < deadline, "no late update was sent"
                time.sleep(0.05)
            time.sleep(0.5)  # more rounds: still one
        assert kinds(services, case_id).count("promise_moved") == 1
    finally:
        services.close()
