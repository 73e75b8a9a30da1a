"""One pass over the cases of the period and the one before it: counts per local day,
category and language, from which the volume, the promise-kept rates and the outcomes are all
summed (so the page reads the cases table once for them, not once per figure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Integer, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.period import Filters, Period, both_periods, day_of, local_day

RATINGS = (1, 2, 3, 4, 5)


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


def first_promise() -> ColumnElement[datetime]:
    """The promise in the acknowledgement, even when a later update moved ``promised_at``."""
    return func.coalesce(Case.original_promised_at, Case.promised_at)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def load_counts(
    session: Session, period: Period, filters: Filters, *, now: datetime
) -> list[DayCount]:
    previous = period.previous()
    day = local_day(session, Case.created_at, previous.start, period.end, period.tz)
    promised = first_promise()
    answered = Case.first_response_at.is_not(None)
    resolved = Case.resolved_at.is_not(None)
    query = (
        select(
            day,
            Case.category,
            Case.lang,
            func.count(),
            _count(or_(answered, promised < now)),
            _count(and_(answered, Case.first_response_at <= promised)),
            _count(or_(resolved, Case.reopened_count > 0)),
            _count(Case.reopened_count > 0),
            _count(resolved),
            _count(
                and_(
                    resolved,
                    Case.status == "closed",
                    Case.feedback_at.is_not(None),
                    Case.satisfaction >= 4,
                )
            ),
            *(_count(Case.satisfaction == r) for r in RATINGS),
        )
        .where(*both_periods(period, filters))
        .group_by(day, Case.category, Case.lang)
    )
    return [
        DayCount(
            day_of(row[0]),
            str(row[1]),
            str(row[2]),
            *(int(v or 0) for v in row[3:10]),
            tuple(int(v or 0) for v in row[10:]),
        )
        for row in session.execute(query)
    ]
