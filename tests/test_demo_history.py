"""``portal demo`` gives the back office months of believable cases: the same for a seed, every
field agreeing with the timeline, promises from the engine kept most of the time but not always,
and the searches and form suggestions of the same months."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from time import perf_counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from kb.models import SearchLogEntry, SuggestionEvent
from kb.suggestion_events import deflection_stats
from portal.cases.models import Case, CaseEvent
from portal.cases.reference import is_reference
from portal.demo.history import PREFIX, generate_history, load_demo_history
from portal.demo.load import load_demo_staff
from portal.mail.models import OutboxMessage
from portal.services import Services
from portal.sla.job_runs import JobRun
from portal.sla.policies import load_sla
from portal.sla.schedule import run_round

END = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
STATUS_KINDS = ("status_changed", "resolved", "reopened", "auto_closed")


def _generate(services: Services, cases: int = 1_200, days: int = 120, seed: int = 7) -> int:
    with services.write() as session:
        return generate_history(session, cases=cases, days=days, seed=seed, end=END)


def _snapshot(services: Services) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Cases and timelines without database ids (PostgreSQL sequences never roll back)."""
    with services.read() as session:
        cases = session.scalars(select(Case).order_by(Case.reference)).all()
        refs = {c.id: c.reference for c in cases}
        rows = [
            tuple(
                refs.get(getattr(c, col.name)) if col.name == "parent_case_id" else
                getattr(c, col.name)
                for col in Case.__table__.columns
                if col.name != "id"
            )
            for c in cases
        ]  # fmt: skip
        events = [
            (refs[e.case_id], e.created_at, e.kind, e.public, e.author, e.body, e.data)
            for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))
        ]
    return rows, sorted(events, key=lambda e: e[0])


@pytest.fixture
def staffed(services: Services) -> Services:
    load_demo_staff(services)
    return services


def _clear(services: Services) -> None:
    with services.write() as session:
        session.execute(delete(JobRun))
        session.execute(delete(CaseEvent))
        session.execute(delete(Case))
        session.execute(delete(SearchLogEntry))
        session.execute(delete(SuggestionEvent))


def test_the_same_seed_gives_the_same_history(staffed: Services) -> None:
    assert _generate(staffed, cases=300, days=60, seed=11) == 300
    first = _snapshot(staffed)
    _clear(staffed)
    assert _generate(staffed, cases=300, days=60, seed=11) == 300
    assert _snapshot(staffed) == first
    _clear(staffed)
    _generate(staffed, cases=300, days=60, seed=12)
    assert _snapshot(staffed)[0] != first[0]


def test_every_field_agrees_with_the_timeline(staffed: Services) -> None:
    assert _generate(staffed) == 1_200
    with staffed.read() as session:
        cases = session.scalars(select(Case)).all()
        events: dict[int, list[CaseEvent]] = defaultdict(list)
        for event in session.scalars(select(CaseEvent).order_by(CaseEvent.id)):
            events[event.case_id].append(event)
        config = load_sla(session)
    by_id = {c.id: c for c in cases}
    assert len(cases) == 1_200
    for case in cases:
        timeline = events[case.id]
        kinds = [e.kind for e in timeline]
        assert case.submission_id.startswith(PREFIX)
        assert is_reference(case.reference)
        assert [e.created_at for e in timeline] == sorted(e.created_at for e in timeline)
        assert timeline[0].created_at == case.created_at
        assert all(e.created_at <= END for e in timeline)
        assert case.updated_at <= END
        if case.parent_case_id is None:
            assert kinds[0] == "submitted"
        else:
            parent = by_id[case.parent_case_id]
            assert kinds[0] == "follow_up_of"
            assert timeline[0].data == {"reference": parent.reference}
            opened = [e for e in events[parent.id] if e.kind == "follow_up_opened"]
            assert [e.data["reference"] for e in opened] == [case.reference]
            assert case.created_at - parent.resolved_at > timedelta(days=14)

        # The promise: the engine's, counted on the language's calendar at submission.
        calendar = config.calendar_for(case.lang)
        assert case.sla_calendar == calendar.key
        first_promise = case.original_promised_at or case.promised_at
        target = config.policy_for(case.category, "normal").first_response
        assert case.promised_work_s >= target.total_seconds()
        if case.original_promised_at is None:
            made = calendar.add_working_time(
                case.created_at, timedelta(seconds=case.promised_work_s)
            )
            assert made == case.promised_at
        else:
            # Moved before it passed, as often as the answer was still not there.
            moved = [e for e in timeline if e.kind == "promise_moved"]
            assert moved
            assert moved[0].data["from"] == case.original_promised_at.isoformat()
            assert moved[-1].data["to"] == case.promised_at.isoformat()
            for earlier, later in itertools.pairwise(moved):
                assert earlier.data["to"] == later.data["from"]
            for event in moved:
                assert event.created_at < datetime.fromisoformat(event.data["from"])
            assert case.original_promised_at < case.promised_at
        second = timedelta(seconds=1)
        assert calendar.working_time_between(first_promise - second, first_promise) == second

        # First response, resolution and their measured working times.
        replies = [e for e in timeline if e.kind == "agent_reply"]
        if case.first_response_at is None:
            assert not replies
            assert case.status == "new"
        else:
            assert case.first_response_at == replies[0].created_at > case.created_at
            assert case.first_response_work_s == int(
                calendar.working_time_between(case.created_at, case.first_response_at)
                .total_seconds()
            )  # fmt: skip
        status_events = [e for e in timeline if e.kind in STATUS_KINDS]
        assert case.status == (status_events[-1].data["to"] if status_events else "new")
        resolutions = [e for e in timeline if e.kind == "resolved"]
        if case.status == "resolved":
            assert case.resolved_at == resolutions[-1].created_at
        if case.resolved_at is not None:
            assert case.first_response_at <= case.resolved_at
            assert case.resolution_work_at == case.resolved_at
            assert case.resolution_work_s is not None
        if case.status in ("new", "open", "waiting"):
            assert case.resolved_at is None
        assert (case.paused_at is not None) == (case.status == "waiting")

        # The customer's answer to "Is your problem solved?" only after a resolution.
        answers = [e for e in timeline if e.kind == "feedback"]
        if case.feedback_at is None:
            assert not answers
            assert case.satisfaction is None
        else:
            assert answers[-1].created_at == case.feedback_at
            assert resolutions
            assert resolutions[0].created_at < case.feedback_at
            ratings = [e.data["rating"] for e in answers if e.data["rating"] is not None]
            assert case.satisfaction == (ratings[-1] if ratings else None)
        assert case.reopened_count == kinds.count("reopened")
        assigned = [e for e in timeline if e.kind == "assigned"]
        assert case.assignee_id == (assigned[-1].data["to"] if assigned else None)


def test_the_history_looks_like_a_help_desk(staffed: Services) -> None:
    _generate(staffed)
    with staffed.read() as session:
        cases = session.scalars(select(Case)).all()
        searches = session.scalars(select(SearchLogEntry)).all()
        kinds = Counter(session.scalars(select(SuggestionEvent.kind)))
        deflection = deflection_stats(session, END - timedelta(days=120), END, now=END)
    answered = [c for c in cases if c.first_response_at is not None]
    kept = sum(c.first_response_at <= (c.original_promised_at or c.promised_at) for c in answered)
    print(f"promise-kept rate {kept / len(answered):.1%} over {len(answered)} answered cases")
    assert 0.75 <= kept / len(answered) <= 0.97

    langs = Counter(c.lang for c in cases)
    assert langs["sv"] > langs["nb"] > langs["en"] > 0
    assert set(Counter(c.category for c in cases)) == {"product", "service", "billing", "other"}
    assert {c.status for c in cases} >= {"new", "open", "waiting", "resolved", "closed"}
    # Stuck cases are late: the customer was told a new time, more than once for some, so no
    # promise has passed in silence, and the agents' queue has work due soon.
    unanswered = [c for c in cases if c.first_response_at is None and c.status != "waiting"]
    assert any(c.original_promised_at for c in unanswered)
    assert not [c for c in unanswered if c.promised_at <= END]
    assert any(c.promised_at <= END + timedelta(days=1) for c in unanswered)
    assert len({c.assignee_id for c in cases} - {None}) >= 2
    assert any(c.reopened_count for c in cases)
    assert any(c.parent_case_id for c in cases)
    ratings = Counter(c.satisfaction for c in cases if c.satisfaction)
    assert set(ratings) == {1, 2, 3, 4, 5}
    assert ratings[5] > ratings[1]
    assert len({c.description for c in cases}) > 0.9 * len(cases)

    # Submissions follow office hours, with a trickle in evenings and at weekends.
    local = [c.created_at.astimezone(ZoneInfo("Europe/Stockholm")) for c in cases]
    office = sum(d.weekday() < 5 and 8 <= d.hour < 17 for d in local)
    weekend = sum(d.weekday() >= 5 for d in local)
    assert office > len(cases) / 2
    assert 0 < weekend < len(cases) / 5

    # A wave of carrier complaints near the end gives "rising terms" something to find.
    def mentions(word: str, since: datetime, until: datetime) -> int:
        return sum(word in c.description and since <= c.created_at < until for c in cases)

    recent = mentions("ombud", END - timedelta(days=30), END)
    before = mentions("ombud", END - timedelta(days=60), END - timedelta(days=30))
    assert recent > 2 * max(before, 1)

    assert {s.lang for s in searches} == {"sv", "nb", "en"}
    assert any(s.result_count == 0 for s in searches)
    assert any(s.opened_key for s in searches)
    assert kinds["impression"]
    assert kinds["click"]
    assert kinds["submitted"]
    assert 0 < deflection.deflection_rate < 0.5


@pytest.mark.parametrize(
    "end",
    [
        END,  # a Friday afternoon
        datetime(2026, 11, 23, 7, 30, tzinfo=UTC),  # a Monday morning after the weekend
        datetime(2026, 6, 22, 6, 0, tzinfo=UTC),  # the Monday after midsommar
    ],
)
def test_a_worker_started_after_the_demo_sends_nothing_about_its_past(
    staffed: Services, end: datetime
) -> None:
    """The history leaves its cases as months of the scheduler would: check-ins asked, waits
    reminded and closed, agents warned and customers told a new time. The first round of a
    worker finds all of that done; later rounds only do what falls due from then on."""
    with staffed.write() as session:
        generate_history(session, cases=1_200, days=120, seed=7, end=end)
    with staffed.read() as session:
        recorded = Counter(session.scalars(select(JobRun.job)))
    print(f"\nwork recorded as done by {end:%Y-%m-%d %H:%M}: {dict(recorded)}")
    assert set(recorded) == {
        "check_in", "waiting_reminder", "auto_close", "breach_warning", "late_update",
    }  # fmt: skip

    assert run_round(staffed, end) == Counter()
    with staffed.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    # An hour on, the worker does only what fell due in that hour: a handful, not a burst.
    later = run_round(staffed, end + timedelta(hours=1))
    assert sum(later.values()) <= 10, later
    assert run_round(staffed, end + timedelta(hours=1)) == Counter()


def test_portal_demo_adds_the_history_once_and_never_in_production(staffed: Services) -> None:
    prod = replace(staffed.settings, env="prod", smtp_url="smtp://mail.example.com:587")
    prod_services = Services(settings=prod, engine=staffed.engine, sessions=staffed.sessions)
    assert "not created" in load_demo_history(prod_services)[0]
    with staffed.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0

    first = load_demo_history(staffed)
    assert first
    assert "demo cases" in first[0]
    assert load_demo_history(staffed) == []
    with staffed.read() as session:
        counted = session.scalar(
            select(func.count()).select_from(Case).where(Case.submission_id.like(PREFIX + "%"))
        )
    assert counted == 3_000


def test_twenty_thousand_cases(services: Services) -> None:
    began = perf_counter()
    assert _generate(services, cases=20_000, days=365, seed=3) == 20_000
    took = perf_counter() - began
    dialect = services.engine.dialect.name
    print(f"\n20,000 cases with timelines, searches and suggestions on {dialect}: {took:.1f} s")
    with services.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 20_000
