"""Business calendars: when a help desk is open, so promises count only time someone can answer.

A calendar is opening hours per weekday in a local time zone, the public holidays of a country (from
the ``holidays`` package), how that country's businesses treat the eves before the big holidays, and
extra closed days. Arithmetic runs on a precomputed, sorted list of opening intervals (UTC
microseconds) with running totals, so every question is a binary search: the insights page asks
``working_time_between`` for many thousands of cases.

Eves, per country (``DEFAULT_EVES``; editable per calendar):

- SE: midsommarafton, julafton and nyårsafton are closed (de facto holidays at Swedish work).
- NO: julaften, nyttårsaften and onsdag før skjærtorsdag close at 12:00, as Norwegian collective
  agreements and most offices do; sankthansaften is an ordinary day.
- DK: juleaftensdag and nytårsaftensdag are closed.
- FI: juhannusaatto and jouluaatto are closed; uudenvuodenaatto is an ordinary day.

An eve rule overrides the ``holidays`` package for that date, so an admin's choice always wins.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

# Eves a calendar can have a rule for. The value of a rule: None = closed, a time = closes then.
EVES = ("maundy_wednesday", "midsummer_eve", "christmas_eve", "new_years_eve")
NOON = time(12, 0)
DEFAULT_EVES: dict[str, dict[str, time | None]] = {
    "SE": {"midsummer_eve": None, "christmas_eve": None, "new_years_eve": None},
    "NO": {"maundy_wednesday": NOON, "christmas_eve": NOON, "new_years_eve": NOON},
    "DK": {"christmas_eve": None, "new_years_eve": None},
    "FI": {"midsummer_eve": None, "christmas_eve": None},
}
COUNTRIES = ("SE", "NO", "DK", "FI")

OfficeHours = tuple[time, time] | None
WEEKDAYS_8_TO_17: tuple[OfficeHours, ...] = ((time(8), time(17)),) * 5 + (None, None)


def easter_sunday(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def eve_dates(year: int) -> dict[str, date]:
    """The date of each eve in ``year``."""
    june_19 = date(year, 6, 19)
    return {
        "maundy_wednesday": easter_sunday(year) - timedelta(days=4),
        # Midsummer eve is the Friday between 19 and 25 June.
        "midsummer_eve": june_19 + timedelta(days=(4 - june_19.weekday()) % 7),
        "christmas_eve": date(year, 12, 24),
        "new_years_eve": date(year, 12, 31),
    }


def _us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("moment must be timezone-aware")
    return (moment - EPOCH) // MICROSECOND


def _moment(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@dataclass
class _Intervals:
    """Opening intervals of whole years, sorted, with the open time before each one."""

    first_year: int
    last_year: int
    opens: list[int]
    closes: list[int]
    before: list[int]  # working microseconds before interval i
    through: list[int]  # working microseconds up to the end of interval i


@dataclass(frozen=True)
class BusinessCalendar:
    """When a help desk is open. Inputs must be timezone-aware; results are in UTC."""

    key: str
    tz: ZoneInfo
    hours: tuple[OfficeHours, ...] = WEEKDAYS_8_TO_17  # Monday..Sunday, local wall-clock
    country: str | None = None
    eves: tuple[tuple[str, time | None], ...] = ()
    closed_days: frozenset[date] = frozenset()
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, compare=False, hash=False, repr=False
    )

    @classmethod
    def build(
        cls,
        key: str,
        tz: str | ZoneInfo,
        *,
        hours: Iterable[OfficeHours] = WEEKDAYS_8_TO_17,
        country: str | None = None,
        eves: Mapping[str, time | None] | None = None,
        closed_days: Iterable[date] = (),
    ) -> BusinessCalendar:
        """A calendar with the country's usual eve rules unless ``eves`` is given."""
        hours = tuple(hours)
        if len(hours) != 7:
            raise ValueError("hours must have one entry per weekday, Monday first")
        for span in hours:
            if span is not None and not span[0] < span[1]:
                raise ValueError("a day must open before it closes")
        if eves is None:
            eves = DEFAULT_EVES.get(country or "", {})
        unknown = set(eves) - set(EVES)
        if unknown:
            raise ValueError(f"unknown eves: {sorted(unknown)}")
        return cls(
            key=key,
            tz=tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz),
            hours=hours,
            country=country,
            eves=tuple(sorted(eves.items())),
            closed_days=frozenset(closed_days),
        )

    # --- the day plan -------------------------------------------------------------------

    def day_hours(self, day: date) -> OfficeHours:
        """Opening hours on ``day`` (local wall-clock), or None when closed."""
        return self._year_plan(day.year).get(day, self.hours[day.weekday()])

    def special_days(self, year: int) -> dict[date, OfficeHours]:
        """Days of ``year`` whose hours differ from the weekday's, for listing them to admins."""
        return self._year_plan(year)

    def _year_plan(self, year: int) -> dict[date, OfficeHours]:
        """Days of ``year`` whose hours differ from the weekday's: holidays, eves, closed days."""
        plan: dict[date, OfficeHours] = {}
        if self.country:
            for day in holidays.country_holidays(self.country, years=year):
                plan[day] = None
        rules = dict(self.eves)
        for name, day in eve_dates(year).items():
            if name not in rules:
                continue
            usual = self.hours[day.weekday()]
            closes = rules[name]
            if closes is None or usual is None or closes <= usual[0]:
                plan[day] = None
            else:
                plan[day] = (usual[0], min(closes, usual[1]))
        for day in self.closed_days:
            if day.year == year:
                plan[day] = None
        return plan

    def _intervals(self, year_from: int, year_to: int) -> _Intervals:
        cached = self._cache.get("intervals")
        if cached is not None and cached.first_year <= year_from and year_to <= cached.last_year:
            return cached
        with self._lock:
            cached = self._cache.get("intervals")
            first, last = year_from, year_to
            if cached is not None:
                first, last = min(first, cached.first_year), max(last, cached.last_year)
            built = self._compute(first - 1, last + 1)
            self._cache["intervals"] = built
            return built

    def _compute(self, first_year: int, last_year: int) -> _Intervals:
        opens: list[int] = []
        closes: list[int] = []
        before: list[int] = []
        through: list[int] = []
        total = 0
        for year in range(first_year, last_year + 1):
            plan = self._year_plan(year)
            day = date(year, 1, 1)
            while day.year == year:
                span = plan.get(day, self.hours[day.weekday()])
                if span is not None:
                    start = _us(datetime.combine(day, span[0], self.tz))
                    end = _us(datetime.combine(day, span[1], self.tz))
                    opens.append(start)
                    closes.append(end)
                    before.append(total)
                    total += end - start
                    through.append(total)
                day += timedelta(days=1)
        if not opens:
            raise ValueError(f"calendar {self.key} is never open")
        return _Intervals(first_year, last_year, opens, closes, before, through)

    def _covering(self, *moments: int) -> _Intervals:
        """Intervals covering the given instants, with at least one opening after each."""
        low, high = min(moments), max(moments)
        cached = self._cache.get("intervals")
        if cached is not None and cached.opens[0] <= low and high < cached.opens[-1]:
            return cached
        year_low = _moment(low).year
        year_high = _moment(high).year
        return self._intervals(year_low, year_high)

    def _worked_before(self, spans: _Intervals, us: int) -> tuple[int, int]:
        """Working microseconds from the start of the table to ``us``; and the interval index."""
        i = bisect_right(spans.opens, us) - 1
        if i < 0:
            return 0, i
        return spans.before[i] + min(us - spans.opens[i], spans.closes[i] - spans.opens[i]), i

    # --- the public arithmetic ----------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        """Whether someone is at work at ``moment``."""
        us = _us(moment)
        spans = self._covering(us)
        i = bisect_right(spans.opens, us) - 1
        return i >= 0 and us < spans.closes[i]

    def next_open(self, moment: datetime) -> datetime:
        """``moment`` itself when open, else the next opening (UTC)."""
        us = _us(moment)
        spans = self._covering(us)
        i = bisect_right(spans.opens, us) - 1
        if i >= 0 and us < spans.closes[i]:
            return _moment(us)
        return _moment(spans.opens[i + 1])

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """``start`` plus ``amount`` of opening hours (UTC). Zero gives the next open moment."""
        if amount < timedelta(0):
            raise ValueError("amount must not be negative")
        if not amount:
            return self.next_open(start)
        us = _us(start)
        wanted = amount // MICROSECOND
        spans = self._covering(us)
        done, _ = self._worked_before(spans, us)
        while done + wanted > spans.through[-1]:
            # Beyond the table: extend it a year (the running totals stay the same).
            spans = self._intervals(spans.first_year, spans.last_year + 1)
            done, _ = self._worked_before(spans, us)
        target = done + wanted
        i = bisect_left(spans.through, target)
        return _moment(spans.opens[i] + target - spans.before[i])

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Opening hours between two instants; negative when ``end`` is before ``start``."""
        a, b = _us(start), _us(end)
        spans = self._covering(a, b)
        worked_a, _ = self._worked_before(spans, a)
        worked_b, _ = self._worked_before(spans, b)
        return timedelta(microseconds=worked_b - worked_a)

    def working_day_length(self) -> timedelta:
        """The longest ordinary opening day, the unit "working days" are counted in."""
        lengths = [
            datetime.combine(date.min, span[1]) - datetime.combine(date.min, span[0])
            for span in self.hours
            if span is not None
        ]
        return max(lengths, default=timedelta(hours=9))


def default_calendar(country: str, key: str | None = None) -> BusinessCalendar:
    """The seeded calendar of a Nordic country: weekdays 08–17 local time, its holidays and eves."""
    zones = {
        "SE": "Europe/Stockholm",
        "NO": "Europe/Oslo",
        "DK": "Europe/Copenhagen",
        "FI": "Europe/Helsinki",
    }
    return BusinessCalendar.build(key or country, zones[country], country=country)
