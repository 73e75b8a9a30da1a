"""One pass over the cases of the period and the one before it: counts per local day,
category and language, from which the volume, the promise-kept rates and the outcomes are all
summed (so the figures agree, and the cases are read once for them, not once per figure).

With ``summarised=True`` the counts come from the daily summary of the period's time zone
(``insights.summary``, brought up to date just before); only the unanswered cases whose promise
ran out are asked for directly, as that depends on the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

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


def _day_count(day: date, category: str, lang: str, counts: dict[str, int], late: int) -> DayCount:
    return DayCount(
        day,
        category,
        lang,
        counts["cases"],
        counts["answered"] + late,
        counts["kept"],
        counts["resolved_once"],
        counts["reopened"],
        counts["resolved"],
        counts["recovered"],
        tuple(counts[f"rated_{r}"] for r in RATINGS),
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
        rows = session.execute(
            select(
                DailyCases.day,
                DailyCases.category,
                DailyCases.lang,
                *(func.sum(getattr(DailyCases, name)) for name in COUNTS),
            )
            .where(
                DailyCases.tz == summary_zone(period.tz).key,
                DailyCases.day >= period.previous().first,
                DailyCases.day <= period.last,
            )
            .where(
                DailyCases.channel == (filters.channel or ANY),
                *Filters(filters.category, filters.lang).clauses(DailyCases),
            )
            .group_by(DailyCases.day, DailyCases.category, DailyCases.lang)
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
    found = []
    for key, values in keyed.items():
        counts = {name: int(v or 0) for name, v in zip(COUNTS, values, strict=True)}
        found.append(_day_count(*key, counts, late.get(key, 0)))
    return found
