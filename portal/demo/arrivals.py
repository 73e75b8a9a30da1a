"""When the demo's complaints arrive, and about what: the weekly rhythm and the topic waves.

Mostly on weekdays in office hours, a trickle in evenings and at weekends, a little more as the
period goes on; topics drift as waves pass (a carrier change, a batch of weak seams, an invoice
month). ``portal.demo.history`` draws its cases' times and topics from here.
"""

from __future__ import annotations

import functools
import itertools
import random
from datetime import date, datetime, time, timedelta

from portal.demo import phrases
from portal.sla.calendars import BusinessCalendar

# When each wave of complaints runs, as shares of the period, and how much stronger it makes
# its topics at its height.
WAVES = {
    phrases.DELIVERY: (0.78, 1.02, 2.4),
    phrases.CARRIER: (0.82, 1.05, 14.0),
    phrases.SEAMS: (0.14, 0.32, 3.5),
    phrases.INVOICE: (0.40, 0.56, 3.0),
}

# Relative submissions per local hour on open days and on weekends and holidays.
WORKDAY_HOURS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.5, 4.5, 5.5, 5.5, 5, 4, 5, 5.2, 5, 4.2,
                 3, 2.4, 2.2, 2.2, 1.8, 1.2, 0.6)  # fmt: skip
RESTDAY_HOURS = (0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 1.6, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2.2,
                 2.2, 1.8, 1.2, 0.6)  # fmt: skip
WEEKDAY_FACTOR = (1.25, 1.05, 1.0, 1.0, 0.9, 1.0, 1.1)


def _wave_strength(share: float, begin: float, end: float) -> float:
    """0 outside the wave, rising and falling smoothly over its first and last quarter."""
    if not begin < share < end:
        return 0.0
    ramp = (end - begin) / 4
    return min(1.0, (share - begin) / ramp, (end - share) / ramp)


@functools.lru_cache(maxsize=4096)
def topic_cum(share: float) -> list[float]:
    return list(itertools.accumulate(_topic_weights(share)))


@functools.lru_cache(maxsize=4096)
def _topic_weights(share: float) -> list[float]:
    """Weights of ``phrases.TOPICS`` at ``share`` of the period (call with whole days)."""
    weights = []
    for topic in phrases.TOPICS:
        weight = topic.weight
        if topic.wave:
            begin, end, height = WAVES[topic.wave]
            weight *= 1 + (height - 1) * _wave_strength(share, begin, end)
        weights.append(weight)
    return weights


def is_open_day(calendar: BusinessCalendar, day: date) -> bool:
    """Whether the help desk opens at all on ``day`` (a fast look-up in the opening table)."""
    midnight = datetime.combine(day, time(0), calendar.tz)
    return calendar.working_time_between(midnight, midnight + timedelta(days=1)) > timedelta(0)


def submission_times(
    rng: random.Random, start: datetime, days: int, count: int, calendar: BusinessCalendar
) -> list[datetime]:
    """``count`` sorted moments in ``[start, start + days)`` following the weekly pattern."""
    base = sum(t.weight for t in phrases.TOPICS)
    cumulative, total = [], 0.0
    open_days: dict[date, bool] = {}
    for hour in range(days * 24):
        moment = start + timedelta(hours=hour)
        local = moment.astimezone(calendar.tz)
        share = (hour // 24) / days
        day = local.date()
        if day not in open_days:
            open_days[day] = is_open_day(calendar, day)
        open_day = open_days[day]
        weight = (WORKDAY_HOURS if open_day else RESTDAY_HOURS)[local.hour]
        weight *= WEEKDAY_FACTOR[local.weekday()] * (0.9 + 0.2 * share)
        total += weight * sum(_topic_weights(share)) / base
        cumulative.append(total)
    hours = rng.choices(range(len(cumulative)), cum_weights=cumulative, k=count)
    return sorted(start + timedelta(seconds=h * 3600 + int(rng.random() * 3600)) for h in hours)
