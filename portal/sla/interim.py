"""The interim response-time promise: working hours per category on Mon–Fri 08–17, Stockholm.

The full engine (holidays, backlog, per-language calendars) replaces this; callers only use
``expected_response`` and the ``Promise`` it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

CALENDAR_TZ = ZoneInfo("Europe/Stockholm")
OPENS = time(8, 0)
CLOSES = time(17, 0)
WORKING_DAYS = frozenset(range(5))  # Monday–Friday
HOURS_PER_DAY = 9

# First-response targets in working hours.
TARGET_HOURS: dict[str, int] = {
    "billing": 9,
    "service": 9,
    "product": 18,
    "other": 18,
}
CATEGORIES = tuple(TARGET_HOURS)


@dataclass(frozen=True)
class Promise:
    """When the customer will hear back: an instant (UTC-aware) and the target it came from."""

    due: datetime
    working_hours: int
    tz: ZoneInfo = CALENDAR_TZ

    @property
    def working_days(self) -> int:
        return -(-self.working_hours // HOURS_PER_DAY)

    @property
    def local_due(self) -> datetime:
        return self.due.astimezone(self.tz)


def expected_response(category: str, at: datetime) -> Promise:
    """The promised first-response time for a case in ``category`` submitted at ``at``."""
    hours = TARGET_HOURS.get(category, TARGET_HOURS["other"])
    return Promise(due=add_working_time(at, timedelta(hours=hours)), working_hours=hours)


def add_working_time(start: datetime, amount: timedelta) -> datetime:
    """``start`` plus ``amount`` of opening hours, skipping nights and weekends."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    local = start.astimezone(CALENDAR_TZ)
    remaining = amount
    cursor = _next_open_moment(local)
    while True:
        closing = datetime.combine(cursor.date(), CLOSES, CALENDAR_TZ)
        available = closing - cursor
        if remaining <= available:
            return (cursor + remaining).astimezone(start.tzinfo)
        remaining -= available
        cursor = _next_open_moment(closing + timedelta(seconds=1))


def _next_open_moment(local: datetime) -> datetime:
    day = local.date()
    moment = local.timetz().replace(tzinfo=None)
    if day.weekday() in WORKING_DAYS and OPENS <= moment < CLOSES:
        return local
    if day.weekday() in WORKING_DAYS and moment < OPENS:
        return datetime.combine(day, OPENS, CALENDAR_TZ)
    day += timedelta(days=1)
    while day.weekday() not in WORKING_DAYS:
        day += timedelta(days=1)
    return datetime.combine(day, OPENS, CALENDAR_TZ)


def stored_promise(category: str, due: datetime) -> Promise:
    """The promise a case was given at submission, rebuilt from the stored due time."""
    return Promise(due=due, working_hours=TARGET_HOURS.get(category, TARGET_HOURS["other"]))
