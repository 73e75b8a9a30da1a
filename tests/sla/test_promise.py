"""The promise: policy target, the queue ahead and recent throughput; stored, paused, described."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.cases.models import Case
from portal.cases.reference import new_reference
from portal.sla.calendars import default_calendar
from portal.sla.models import SlaCalendar, SlaLanguage, SlaPolicy
from portal.sla.pause import sync_pause
from portal.sla.policies import (
    CATEGORIES,
    PRIORITIES,
    default_config,
    ensure_defaults,
    invalidate,
    load_sla,
)
from portal.sla.promise import (
    Backlog,
    case_promise,
    count_backlog,
    forget_snapshots,
    make_promise,
    promise_from,
    target_promise,
)
from portal.sla.words import describe

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SE = default_calendar("SE")
H = timedelta(hours=1)
# Friday 19 June 2026 is midsommarafton: Thursday 18 June 15:00 is the afternoon before.
BEFORE_MIDSUMMER = datetime(2026, 6, 18, 15, 0, tzinfo=STOCKHOLM)


def _promise(backlog: int, per_hour: float | None, at: datetime = BEFORE_MIDSUMMER):
    answered, hours = (0, 0.0) if per_hour is None else (round(per_hour * 45), 45.0)
    return promise_from(SE, at, 9 * H, 27 * H, Backlog(backlog, answered, hours))


def test_an_empty_queue_gives_the_policy_target() -> None:
    promise = _promise(0, 2.0)
    assert promise.extra == timedelta(0)
    assert promise.working_time == promise.target == 9 * H
    # 2 h Thursday, midsommar eve, the weekend: 7 h on Monday.
    assert promise.local_due == datetime(2026, 6, 22, 15, 0, tzinfo=STOCKHOLM)


def test_the_promise_grows_with_the_queue_and_stays_explainable() -> None:
    empty, fifty, five_hundred = (_promise(n, 2.0) for n in (0, 50, 500))
    assert empty.due <= fifty.due < five_hundred.due
    # 51 cases at 2 per working hour need 25.5 h: 16.5 h more than the 9 h target.
    assert fifty.extra == timedelta(hours=16, minutes=30)
    assert fifty.backlog == 50
    assert fifty.per_hour == pytest.approx(2.0)
    assert "50 ahead" in fifty.explain()
    assert five_hundred.extra <= timedelta(hours=90)  # capped at ten working days
    assert empty.working_days == 1
    assert fifty.working_days == 3


def test_without_recent_answers_the_target_stands_alone() -> None:
    assert _promise(500, None).extra == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(
    backlog=st.integers(0, 2000),
    more=st.integers(0, 500),
    per_hour=st.floats(0.05, 20),
    at=st.datetimes(datetime(2025, 1, 1), datetime(2028, 12, 31), timezones=st.just(UTC)),
)
def test_monotonic_never_early_and_inside_opening_hours(
    backlog: int, more: int, per_hour: float, at: datetime
) -> None:
    small, large = _promise(backlog, per_hour, at), _promise(backlog + more, per_hour, at)
    assert small.due <= large.due
    for promise in (small, large):
        # Never earlier than the target allows.
        assert SE.working_time_between(at, promise.due) >= promise.target
        assert promise.due >= SE.add_working_time(at, promise.target)
        # Within opening hours (the closing minute ends the working day).
        assert SE.is_open(promise.due - timedelta(microseconds=1))


def test_defaults_keep_the_help_centres_promise_of_two_working_days() -> None:
    config = default_config()
    for category in CATEGORIES:
        for priority in PRIORITIES:
            policy = config.policy_for(category, priority)
            assert policy.first_response <= 18 * H  # "a first answer within 2 working days"
            assert policy.resolution >= policy.first_response
    assert config.policy_for("billing").first_response == 9 * H
    assert config.policy_for("product", "urgent").first_response == 2 * H
    assert config.policy_for("nonsense", "nonsense") == config.policy_for("other")


def test_languages_use_their_calendars_and_words_show_the_calendars_time() -> None:
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    nb = target_promise("billing", at, "nb")
    sv = target_promise("billing", at, "sv")
    assert nb.tz == ZoneInfo("Europe/Oslo")
    assert sv.tz == STOCKHOLM
    assert target_promise("billing", at, "en").tz == STOCKHOLM
    assert describe(nb, "nb").iso == "2026-11-25T11:00:00+01:00"
    # 17. mai: a Norwegian customer's promise skips it, a Swedish one's does not.
    monday = datetime(2027, 5, 14, 15, 0, tzinfo=STOCKHOLM)
    assert target_promise("billing", monday, "sv").local_due.day == 17
    assert target_promise("billing", monday, "nb").local_due.day == 18


# --- with a database ----------------------------------------------------------------------


def _case(**fields) -> Case:
    values = {
        "reference": new_reference(),
        "status": "new",
        "lang": "en",
        "email": "anna@example.com",
        "category": "product",
        "description": "Broken.",
        "promised_at": datetime(2026, 6, 20, tzinfo=UTC),
    }
    values.update(fields)
    return Case(**values)


def test_backlog_counts_the_unanswered_queue_and_last_weeks_answers(services) -> None:
    at = BEFORE_MIDSUMMER.astimezone(UTC)
    with services.write() as session:
        for n in range(50):
            session.add(_case(created_at=at - timedelta(hours=n + 1)))
        for n in range(90):  # answered over the last week
            created = at - timedelta(days=6, hours=n % 24)
            session.add(
                _case(
                    status="resolved",
                    created_at=created,
                    first_response_at=at - timedelta(days=5) + timedelta(hours=n),
                )
            )
        # Not ahead: answered long ago, waiting on the customer, closed without a reply.
        session.add(
            _case(
                status="open",
                created_at=at - timedelta(days=40),
                first_response_at=at - timedelta(days=39),
            )
        )
        session.add(_case(status="waiting", created_at=at - H))
        session.add(_case(status="closed", created_at=at - H))
        # Not ahead: submitted after the moment asked about.
        session.add(_case(created_at=at + H))
    with services.read() as session:
        backlog = count_backlog(session, SE, at)
        assert backlog.ahead == 50
        assert backlog.answered == 90
        # Seven days back from Thursday 15:00: five working days and 7 hours.
        assert backlog.window_hours == pytest.approx(
            SE.working_time_between(at - 7 * 24 * H, at) / H
        )
        forget_snapshots()
        invalidate()
        promise = make_promise(session, category="billing", lang="sv", at=at)
    assert promise.backlog == 50
    assert promise.due >= target_promise("billing", at, "sv").due


def test_more_open_cases_never_make_an_earlier_promise(services) -> None:
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with services.write() as session:
        for n in range(20):
            session.add(
                _case(
                    status="resolved",
                    created_at=at - 3 * 24 * H,
                    first_response_at=at - 2 * 24 * H + n * timedelta(minutes=5),
                )
            )
    dues = []
    for _ in range(3):
        with services.write() as session:
            for _n in range(25):
                session.add(_case(created_at=at - H))
        with services.read() as session:
            forget_snapshots()
            dues.append(make_promise(session, category="service", lang="en", at=at).due)
    assert dues == sorted(dues)
    assert dues[0] < dues[-1]


def test_0_50_and_500_open_cases_at_a_given_throughput(services) -> None:
    """The queue read from the database: 90 first answers over the last week, then 0, 50 and 500
    unanswered cases ahead; each promise is later and says where its time comes from."""
    at = datetime(2026, 11, 26, 10, 0, tzinfo=STOCKHOLM)  # Thursday
    with services.write() as session:
        for n in range(90):
            session.add(
                _case(
                    status="resolved",
                    created_at=at - timedelta(days=6),
                    first_response_at=at - timedelta(days=5) + n * timedelta(minutes=40),
                )
            )
    window = SE.working_time_between(at - timedelta(days=7), at) / H
    promises = []
    for ahead in (0, 50, 500):
        with services.write() as session:
            queued = session.scalar(
                select(func.count()).select_from(Case).where(Case.status == "new")
            )
            for n in range(ahead - queued):
                session.add(_case(created_at=at - timedelta(minutes=n + 1)))
        with services.read() as session:
            forget_snapshots()
            promise = make_promise(session, category="billing", lang="sv", at=at)
        assert promise.backlog == ahead
        assert promise.per_hour == pytest.approx(90 / window)
        assert f"{ahead} ahead" in promise.explain()
        # The policy target, or the time the queue ahead and this case need, whichever is longer.
        needed = timedelta(hours=(ahead + 1) / promise.per_hour)
        assert promise.working_time >= max(promise.target, min(needed, 9 * H + 90 * H))
        assert promise.working_time - max(promise.target, needed) < timedelta(minutes=15)
        assert SE.working_time_between(at, promise.due) == promise.working_time
        promises.append(promise)
    empty, fifty, five_hundred = promises
    assert empty.extra == timedelta(0)
    assert empty.due == target_promise("billing", at, "sv").due
    assert empty.due < fifty.due < five_hundred.due
    assert five_hundred.extra == timedelta(hours=90)  # capped at ten working days


def test_ensure_defaults_seeds_once_and_never_overwrites(services) -> None:
    with services.write() as session:
        assert ensure_defaults(session) is True
    with services.write() as session:
        row = session.scalars(
            select(SlaPolicy).where(SlaPolicy.category == "billing", SlaPolicy.priority == "normal")
        ).one()
        row.first_response_minutes = 120
        assert ensure_defaults(session) is False
    with services.read() as session:
        invalidate()
        config = load_sla(session)
        assert config.policy_for("billing").first_response == 2 * H
        assert session.scalars(select(SlaCalendar.key).order_by(SlaCalendar.key)).all() == [
            "NO",
            "SE",
        ]
        assert {r.lang: r.calendar.key for r in session.scalars(select(SlaLanguage))} == {
            "sv": "SE",
            "nb": "NO",
            "en": "SE",
        }
        assert config.calendar_for("nb").tz == ZoneInfo("Europe/Oslo")
        assert config.calendar_for("nb").is_open(datetime(2026, 12, 24, 9, tzinfo=UTC))
    invalidate()


def test_an_edited_calendar_changes_new_promises(services) -> None:
    with services.write() as session:
        ensure_defaults(session)
        calendar = session.scalars(select(SlaCalendar).where(SlaCalendar.key == "SE")).one()
        calendar.closed_days = ["2026-11-25"]
    invalidate()
    at = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)
    with services.read() as session:
        forget_snapshots()
        promise = make_promise(session, category="billing", lang="sv", at=at)
    assert promise.local_due == datetime(2026, 11, 26, 10, 0, tzinfo=STOCKHOLM)
    invalidate()


def test_the_clock_pauses_while_the_case_waits_on_the_customer(services) -> None:
    at = datetime(2026, 11, 23, 9, 0, tzinfo=STOCKHOLM)  # Monday
    promise = target_promise("product", at, "sv")
    with services.write() as session:
        case = _case(lang="sv", created_at=at, status="open")
        case.promised_at = promise.due
        case.sla_calendar = "SE"
        case.promised_work_s = int(promise.working_time.total_seconds())
        case.resolution_due_at = promise.resolution_due
        session.add(case)
        session.flush()
        case.status = "waiting"
        sync_pause(session, case, at + H)  # Monday 10:00
        assert case.paused_at is not None
        sync_pause(session, case, at + 2 * H)  # still waiting: nothing moves
        assert case.promised_at == promise.due
        case.status = "open"
        # The customer answers on Tuesday at 12:00: 7 + 4 working hours later.
        sync_pause(session, case, datetime(2026, 11, 24, 12, 0, tzinfo=STOCKHOLM))
        assert case.paused_at is None
        assert case.paused_work_s == 11 * 3600
        assert SE.working_time_between(promise.due, case.promised_at) == 11 * H
        assert SE.working_time_between(promise.resolution_due, case.resolution_due_at) == 11 * H
        # The stored promise still reads as the same instant everywhere.
        assert case_promise(case).due == case.promised_at
