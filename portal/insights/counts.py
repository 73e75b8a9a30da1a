"""One pass over the cases of the period and the one before it: counts per local day,
category and language, from which the volume, the promise-kept rates and the outcomes are all
summed (so the figures agree, and the cases are read once for them, not once per figure).

With ``summarised=True`` the counts come from the daily summary of the period's time zone
(``insights.summary``, brought up to date just before); only the unanswered cases whose promise
ran out are asked for directly, as that depends on the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.models import DailyCases
from portal.insights.period import Filters, Period, both_periods, day_of, local_day
from portal.insights.summary import (
    ANY,
    COUNTS,
    RATINGS,
    count_columns,
    first_promise,
    summary_zone,
)

__all__ = ["RATINGS", "DayCount", "first_promise", "load_counts"]


@dataclass(frozen=True)
class DayCount:
    day: date  # local day of creation
    category: str
    lang: str
    cases: int
    due: int  # promises whose time has come (answered, or unanswered past the promise)
    kept: int  # … of which answered no later than the first promise
    resolved_once: int  # resolved at least once (now resolved, or reopened since)
    reopened: int
    resolved: int
    recovered: int  # resolved, answered "solved" and rated 4–5
    ratings: tuple[int, ...]  # how many rated 1, 2, 3, 4, 5


def _day_count(day: date, category: str, lang: str, values: Sequence[Any], late: int) -> DayCount:
    """A day's counts from the values of ``COUNTS``, in that order."""
    cases, answered, kept, resolved_once, reopened, resolved, recovered, *ratings = (
        int(v or 0) for v in values
    )
    return DayCount(
        day,
        category,
        lang,
        cases,
        answered + late,
        kept,
        resolved_once,
        reopened,
        resolved,
        recovered,
        tuple(ratings),
    )


def _unanswered_late(
    session: Session, period: Period, filters: Filters, now: datetime
) -> dict[tuple[date, str, str], int]:
    """Unanswered cases whose first promise has run out, per local day, category, language."""
    day = local_day(session, Case.created_at, period.previous().start, period.end, period.tz)
    rows = session.execute(
        select(day, Case.category, Case.lang, func.count())
        .where(*both_periods(period, filters))
        .where(Case.first_response_at.is_(None), first_promise() < now)
        .group_by(day, Case.category, Case.lang)
    )
    return {(day_of(d), str(c), str(lang)): int(n) for d, c, lang, n in rows}


def load_counts(
    session: Session, period: Period, filters: Filters, *, now: datetime, summarised: bool = False
) -> list[DayCount]:
    late = _unanswered_late(session, period, filters, now)
    if summarised:
        # One row per day, category and language already: the channel is one channel or the
        # rows for every channel together (``ANY``).
        rows = session.execute(
            select(
                DailyCases.day,
                DailyCases.category,
                DailyCases.lang,
                *(getattr(DailyCases, name) for name in COUNTS),
            ).where(
                DailyCases.tz == summary_zone(period.tz).key,
                DailyCases.day >= period.previous().first,
                DailyCases.day <= period.last,
                DailyCases.channel == (filters.channel or ANY),
                *Filters(filters.category, filters.lang).clauses(DailyCases),
            )
        )
        keyed = {(row[0], str(row[1]), str(row[2])): row[3:] for row in rows}
    else:
        day = local_day(session, Case.created_at, period.previous().start, period.end, period.tz)
        rows = session.execute(
            select(day, Case.category, Case.lang, *count_columns())
            .where(*both_periods(period, filters))
            .group_by(day, Case.category, Case.lang)
        )
        keyed = {(day_of(row[0]), str(row[1]), str(row[2])): row[3:] for row in rows}
    return [_day_count(*key, values, late.get(key, 0)) for key, values in keyed.items()]
