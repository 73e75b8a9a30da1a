"""The period a report covers, in the viewer's time zone, and the SQL that buckets by local day.

Days are counted in the viewer's calendar: a complaint sent at 23:30 UTC on a summer evening
belongs to the next day in Stockholm. The database keeps UTC, so the local day number is computed
in SQL as ``(epoch seconds + UTC offset) // 86400``, with the offset chosen by UTC ranges between
the time zone's transitions (a handful per period) — the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, and_, case, func, literal
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.cases.models import Case

DEFAULT_TZ = "Europe/Stockholm"
PERIOD_CHOICES = (7, 30, 90)
MAX_DAYS = 366
EPOCH = date(1970, 1, 1)
DAY = 86_400


@dataclass(frozen=True)
class Filters:
    """What the viewer narrowed the cases to; empty means any."""

    category: str = ""
    lang: str = ""
    channel: str = ""

    def clauses(self, table: Any = Case) -> list[ColumnElement[bool]]:
        """Conditions on ``table``'s category, lang and channel columns (cases or a summary)."""
        found: list[ColumnElement[bool]] = []
        if self.category:
            found.append(table.category == self.category)
        if self.lang:
            found.append(table.lang == self.lang)
        if self.channel:
            found.append(table.channel == self.channel)
        return found


@dataclass(frozen=True)
class Period:
    """Whole local days ``first``..``last`` (inclusive) in ``tz``."""

    first: date
    last: date
    tz: ZoneInfo

    @classmethod
    def last_days(cls, days: int, today: date, tz: ZoneInfo) -> Period:
        """The last ``days`` days, today included."""
        return cls(today - timedelta(days=days - 1), today, tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.tz)

    def previous(self) -> Period:
        """The period of the same length just before this one: what every figure compares with."""
        return Period(
            self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.tz
        )

    def contains(self, day: date) -> bool:
        return self.first <= day <= self.last

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day begins."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def within(
    column: InstrumentedAttribute[datetime], start: datetime, end: datetime
) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


def _offset(moment: datetime, tz: ZoneInfo) -> int:
    delta = moment.astimezone(tz).utcoffset()
    return int(delta.total_seconds()) if delta else 0


@lru_cache(maxsize=256)
def offset_ranges(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, int]]:
    """``[(until, offset seconds), ...]``: the offset that applies before each ``until``
    (remembered: a page asks for the same few spans several times, and a zone's rules do not
    change while the process runs). Callers must not change the list."""
    ranges: list[tuple[datetime, int]] = []
    cursor, current = start, _offset(start, tz)
    while cursor < end:
        step = min(cursor + timedelta(days=1), end)
        if _offset(step, tz) != current:
            low, high = cursor, step  # the change lies in (low, high]: narrow it to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(middle, tz) == current:
                    low = middle
                else:
                    high = middle
            change = high.replace(microsecond=0)
            ranges.append((change, current))
            current = _offset(change, tz)
        cursor = step
    ranges.append((end, current))
    return ranges


def epoch_seconds(session: Session, column: Any) -> ColumnElement[int]:
    """Whole seconds since 1970 of a UTC datetime column, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return func.cast(func.strftime("%s", column), Integer)
    return func.cast(func.floor(func.extract("epoch", column)), BigInteger)


def local_day(
    session: Session,
    column: InstrumentedAttribute[datetime],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> ColumnElement[int]:
    """The local day number (days since 1970-01-01 in ``tz``) of ``column`` in [start, end)."""
    seconds = epoch_seconds(session, column)
    ranges = offset_ranges(start, end, tz)

    def day(offset: int) -> ColumnElement[int]:
        return (seconds + literal(offset)) // literal(DAY)

    if len(ranges) == 1:
        return day(ranges[0][1])
    whens = [(column < until, day(offset)) for until, offset in ranges[:-1]]
    return case(*whens, else_=day(ranges[-1][1]))


def day_of(number: int) -> date:
    return EPOCH + timedelta(days=int(number))


def week_start(day: date) -> date:
    """The Monday that starts ``day``'s week."""
    return day - timedelta(days=day.weekday())


def cohort(period: Period) -> ColumnElement[int]:
    """1 for cases created in ``period``, 0 for the previous period (the query spans both)."""
    return case((Case.created_at >= period.start, 1), else_=0)


def both_periods(period: Period, filters: Filters) -> list[ColumnElement[bool]]:
    """Cases created in the period or the one before it, narrowed by the filters."""
    return [within(Case.created_at, period.previous().start, period.end), *filters.clauses()]


@dataclass(frozen=True)
class Compared:
    """A figure in the period beside the same figure in the previous period."""

    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        """Current minus previous (None when either is unknown)."""
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def ratio(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide by (shown as "–", never 0 %)."""
    return part / whole if whole else None
