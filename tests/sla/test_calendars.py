"""Business calendars: weekends, Swedish and Norwegian holiday weeks, eves, DST, nights."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.sla.calendars import BusinessCalendar, default_calendar, easter_sunday, eve_dates

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OSLO = ZoneInfo("Europe/Oslo")
SE = default_calendar("SE")
NO = default_calendar("NO")
H = timedelta(hours=1)


def se(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


def no(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=OSLO)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-11-24 10:00", 9, "2026-11-25 10:00"),  # mid-week: the same time next day
        ("2026-11-27 16:59", 9, "2026-11-30 16:59"),  # Friday 16:59: Monday, the weekend skipped
        ("2026-11-27 16:59", 0.5, "2026-11-30 08:29"),  # one minute Friday, the rest Monday
        ("2026-11-28 03:00", 9, "2026-11-30 17:00"),  # Saturday night: Monday's whole day
        ("2026-11-24 23:30", 1, "2026-11-25 09:00"),  # at night: counting starts at opening
        ("2026-11-24 06:30", 9, "2026-11-24 17:00"),  # early morning: the same day
        ("2026-11-24 17:00", 1, "2026-11-25 09:00"),  # at closing: nothing left today
    ],
)
def test_weekends_and_nights_are_not_counted(start: str, hours: float, due: str) -> None:
    assert SE.add_working_time(se(start), hours * H) == se(due)


def test_swedish_easter_week() -> None:
    # Maundy Thursday 2 April 2026 14:00; Good Friday and Easter Monday are holidays.
    assert SE.add_working_time(se("2026-04-02 14:00"), 18 * H) == se("2026-04-08 14:00")
    assert not SE.is_open(se("2026-04-03 10:00"))  # långfredagen
    assert not SE.is_open(se("2026-04-06 10:00"))  # annandag påsk
    assert SE.is_open(se("2026-04-07 10:00"))


def test_midsummer_eve_and_day_are_closed_in_sweden() -> None:
    # Thursday 18 June 2026 16:00: midsommarafton (Friday) is closed; Monday counts on.
    due = SE.add_working_time(se("2026-06-18 16:00"), 9 * H)
    assert due == se("2026-06-22 16:00")
    assert SE.next_open(se("2026-06-19 09:00")) == se("2026-06-22 08:00")


def test_swedish_christmas_and_new_year() -> None:
    # 23 December 16:00: julafton, juldagen, annandag jul closed; the weekend; then Monday 28th.
    assert SE.add_working_time(se("2026-12-23 16:00"), 2 * H) == se("2026-12-28 09:00")
    assert not SE.is_open(se("2026-12-31 10:00"))  # nyårsafton
    assert not SE.is_open(se("2027-01-01 10:00"))
    assert not SE.is_open(se("2027-01-06 10:00"))  # trettondedag jul
    assert SE.next_open(se("2026-12-30 17:30")) == se("2027-01-04 08:00")


def test_norwegian_easter_week_starts_on_maundy_thursday() -> None:
    # Onsdag før skjærtorsdag closes at 12:00; skjærtorsdag, langfredag, 2. påskedag closed.
    assert NO.day_hours(date(2026, 4, 1)) == (time(8), time(12))
    assert NO.add_working_time(no("2026-04-01 11:00"), 2 * H) == no("2026-04-07 09:00")
    assert SE.is_open(se("2026-04-02 10:00"))
    assert not NO.is_open(no("2026-04-02 10:00"))


def test_17_mai_is_closed_in_norway_only() -> None:
    # 17 May 2027 is a Monday.
    assert not NO.is_open(no("2027-05-17 10:00"))
    assert SE.is_open(se("2027-05-17 10:00"))
    assert NO.add_working_time(no("2027-05-14 16:00"), 2 * H) == no("2027-05-18 09:00")


def test_norwegian_christmas_eve_and_new_years_eve_close_at_noon() -> None:
    # Julaften 2027 is a Friday: open 08–12 in Norway, closed in Sweden.
    assert NO.day_hours(date(2027, 12, 24)) == (time(8), time(12))
    assert SE.day_hours(date(2027, 12, 24)) is None
    # 25 and 26 December fall on the weekend in 2027; Monday 27th is an ordinary day.
    assert NO.add_working_time(no("2027-12-24 11:00"), 2 * H) == no("2027-12-27 09:00")
    assert NO.is_open(no("2027-12-31 11:59"))
    assert not NO.is_open(no("2027-12-31 12:00"))


def test_eve_rules_are_editable_per_calendar() -> None:
    relaxed = BusinessCalendar.build("SE2", STOCKHOLM, country="SE", eves={})
    assert relaxed.is_open(se("2026-12-24 10:00"))
    short = BusinessCalendar.build("SE3", STOCKHOLM, country="SE", eves={"christmas_eve": time(13)})
    assert short.day_hours(date(2026, 12, 24)) == (time(8), time(13))
    with pytest.raises(ValueError, match="unknown eves"):
        BusinessCalendar.build("X", STOCKHOLM, eves={"halloween": None})


def test_extra_closed_days_and_other_hours() -> None:
    calendar = BusinessCalendar.build(
        "X",
        STOCKHOLM,
        hours=[(time(9), time(16))] * 4 + [(time(9), time(12)), None, None],
        country="SE",
        closed_days=[date(2026, 11, 25)],
    )
    assert not calendar.is_open(se("2026-11-25 10:00"))
    # Tuesday 15:00 + 4 h: 1 h Tuesday, Wednesday closed, 3 h Thursday from 09:00.
    assert calendar.add_working_time(se("2026-11-24 15:00"), 4 * H) == se("2026-11-26 12:00")
    # Friday closes at 12:00.
    assert calendar.add_working_time(se("2026-11-27 11:00"), 2 * H) == se("2026-11-30 10:00")


def test_dst_changes_keep_wall_clock_opening_hours() -> None:
    # Spring forward on Sunday 29 March 2026, fall back on Sunday 25 October 2026.
    assert SE.add_working_time(se("2026-03-27 12:00"), 9 * H) == se("2026-03-30 12:00")
    assert SE.add_working_time(se("2026-10-23 12:00"), 9 * H) == se("2026-10-26 12:00")
    assert SE.next_open(se("2026-03-28 12:00")).astimezone(STOCKHOLM).hour == 8
    assert SE.next_open(se("2026-10-24 12:00")).astimezone(STOCKHOLM).hour == 8
    # A working day is 9 hours on either side of the change.
    week = SE.working_time_between(se("2026-03-23 00:00"), se("2026-03-30 17:00"))
    assert week == 6 * 9 * H


def test_working_time_between() -> None:
    assert SE.working_time_between(se("2026-11-27 16:00"), se("2026-11-30 09:00")) == 2 * H
    assert SE.working_time_between(se("2026-11-28 10:00"), se("2026-11-29 10:00")) == timedelta(0)
    assert SE.working_time_between(se("2026-11-30 09:00"), se("2026-11-27 16:00")) == -2 * H
    # A holiday week: Christmas 2026 in Sweden leaves 2 working days (28, 29 and 30 December
    # are open; 31 is nyårsafton).
    assert SE.working_time_between(se("2026-12-21 00:00"), se("2027-01-01 00:00")) == 6 * 9 * H


def test_submission_on_a_holiday_starts_counting_on_the_next_working_day() -> None:
    # Swedish National Day 6 June 2025 was a Friday.
    assert SE.add_working_time(se("2025-06-06 11:00"), 9 * H) == se("2025-06-09 17:00")


def test_results_are_utc_and_inputs_must_be_aware() -> None:
    due = SE.add_working_time(se("2026-11-24 10:00"), H)
    assert due.tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        SE.is_open(datetime(2026, 11, 24, 10))
    with pytest.raises(ValueError, match="negative"):
        SE.add_working_time(se("2026-11-24 10:00"), -H)


def test_far_dates_extend_the_table() -> None:
    start = se("2031-01-02 08:00")
    due = SE.add_working_time(start, 9 * 300 * H)
    assert SE.working_time_between(start, due) == 9 * 300 * H
    assert SE.is_open(SE.add_working_time(se("1999-03-01 10:00"), H) - timedelta(seconds=1))


def test_eve_dates() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    assert eve_dates(2026)["midsummer_eve"] == date(2026, 6, 19)
    assert eve_dates(2027)["midsummer_eve"] == date(2027, 6, 25)
    assert eve_dates(2026)["maundy_wednesday"] == date(2026, 4, 1)


def test_danish_and_finnish_calendars() -> None:
    dk, fi = default_calendar("DK"), default_calendar("FI")
    helsinki = ZoneInfo("Europe/Helsinki")
    assert not dk.is_open(datetime(2026, 12, 24, 10, tzinfo=ZoneInfo("Europe/Copenhagen")))
    assert not fi.is_open(datetime(2026, 6, 19, 10, tzinfo=helsinki))  # juhannusaatto
    assert fi.is_open(datetime(2026, 6, 18, 10, tzinfo=helsinki))


moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
amounts = st.integers(min_value=1, max_value=40 * 9 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=300, deadline=None)
@given(start=moments, amount=amounts, calendar=st.sampled_from([SE, NO]))
def test_added_time_lands_inside_opening_hours_and_measures_back(
    start: datetime, amount: timedelta, calendar: BusinessCalendar
) -> None:
    due = calendar.add_working_time(start, amount)
    assert due > start
    # Inside opening hours (the closing minute itself counts as the end of the day).
    assert calendar.is_open(due - timedelta(microseconds=1))
    assert calendar.working_time_between(start, due) == amount


@settings(max_examples=200, deadline=None)
@given(a=moments, b=moments)
def test_working_time_is_additive(a: datetime, b: datetime) -> None:
    middle = a + (b - a) / 2
    assert SE.working_time_between(a, b) == SE.working_time_between(
        a, middle
    ) + SE.working_time_between(middle, b)
    assert abs(SE.working_time_between(a, b)) <= abs(b - a)
