"""The honest new time of a late update: inside opening hours, later than the old promise by at
least the margin, and later the longer the queue ahead (property tests on both calendars)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.sla.calendars import BusinessCalendar, default_calendar
from portal.sla.keeping import MAX_QUEUE_ALLOWANCE, later_promise

SE = default_calendar("SE")
NO = default_calendar("NO")

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
# The old promise, in working minutes from now (it has not passed: the update comes before).
minutes_left = st.integers(min_value=1, max_value=120)
margins = st.integers(min_value=15, max_value=8 * 60).map(lambda m: timedelta(minutes=m))
queues = st.integers(min_value=0, max_value=2_000)
rates = st.one_of(st.none(), st.floats(min_value=0.0, max_value=50.0))


@settings(max_examples=300, deadline=None)
@given(
    now=moments,
    left=minutes_left,
    margin=margins,
    ahead=queues,
    per_hour=rates,
    calendar=st.sampled_from([SE, NO]),
)
def test_the_new_time_is_open_later_and_never_sooner_than_the_margin(
    now: datetime,
    left: int,
    margin: timedelta,
    ahead: int,
    per_hour: float | None,
    calendar: BusinessCalendar,
) -> None:
    old = calendar.add_working_time(now, timedelta(minutes=left))
    new = later_promise(calendar, now, old, margin, ahead, per_hour)
    assert new > old
    assert calendar.is_open(new - timedelta(microseconds=1))  # at the latest, closing time
    assert calendar.working_time_between(now, new) >= margin
    assert calendar.working_time_between(old, new) <= margin + MAX_QUEUE_ALLOWANCE


@settings(max_examples=200, deadline=None)
@given(now=moments, ahead=queues, more=st.integers(min_value=1, max_value=500), per_hour=rates)
def test_a_longer_queue_never_gives_a_sooner_time(
    now: datetime, ahead: int, more: int, per_hour: float | None
) -> None:
    old = SE.add_working_time(now, timedelta(minutes=20))
    margin = timedelta(hours=4)
    shorter = later_promise(SE, now, old, margin, ahead, per_hour)
    longer = later_promise(SE, now, old, margin, ahead + more, per_hour)
    assert longer >= shorter


def test_a_faster_team_gives_a_sooner_time() -> None:
    now = datetime(2026, 11, 24, 10, 45, tzinfo=UTC)  # Tuesday 11:45 in Stockholm
    old = SE.add_working_time(now, timedelta(minutes=15))
    margin = timedelta(hours=4)
    slow = later_promise(SE, now, old, margin, 12, None)  # one an hour at least: 4 h + 12 h
    fast = later_promise(SE, now, old, margin, 12, 4.0)  # four an hour: 4 h + 3 h
    assert SE.working_time_between(now, slow) == timedelta(hours=16)
    assert SE.working_time_between(now, fast) == timedelta(hours=7)
