"""How fast cases are answered and resolved, in working time, and how often the promise held.

Percentiles use the nearest-rank rule (the value at rank ceil(p × n) of the sorted values, so the
median of four values is the second), computed in SQL with window functions on both databases.
The promise-kept rate uses the first promise made to the customer (``original_promised_at``
when a later, honest update moved ``promised_at``): kept when the first public reply came at or
before it; broken when it came later or has not come and the time has passed. Cases still
within their promise and unanswered are not counted yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Integer, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.period import (
    Compared,
    Filters,
    Period,
    both_periods,
    cohort,
    day_of,
    local_day,
    ratio,
    week_start,
)

ALL = ""  # the row for every category (or language) together


@dataclass(frozen=True)
class Percentiles:
    """Working seconds: median and 90th percentile over ``cases`` cases (None when none)."""

    cases: int
    median: int | None
    p90: int | None


NO_CASES = Percentiles(0, None, None)


@dataclass(frozen=True)
class SpeedRow:
    category: str  # ALL for every category
    first_response: Percentiles
    first_response_before: Percentiles
    resolution: Percentiles
    resolution_before: Percentiles


@dataclass(frozen=True)
class KeptRate:
    key: str  # a category, a language, or ALL
    kept: int
    due: int
    kept_before: int
    due_before: int

    @property
    def rate(self) -> Compared:
        return Compared(ratio(self.kept, self.due), ratio(self.kept_before, self.due_before))


@dataclass(frozen=True)
class WeekRate:
    week: date  # the Monday
    kept: int
    due: int

    @property
    def rate(self) -> float | None:
        return ratio(self.kept, self.due)


@dataclass(frozen=True)
class Speed:
    rows: list[SpeedRow]  # the ALL row last
    kept_by_category: list[KeptRate]
    kept_by_language: list[KeptRate]
    kept_by_week: list[WeekRate]
    kept: KeptRate


def first_promise() -> ColumnElement[datetime]:
    """The promise in the acknowledgement, even when a later update moved ``promised_at``."""
    return func.coalesce(Case.original_promised_at, Case.promised_at)


def _rank(n: ColumnElement[int], percent: int) -> ColumnElement[int]:
    """ceil(n × percent / 100) in integer arithmetic."""
    return (n * literal(percent) + literal(99)) // literal(100)


def _percentiles(
    session: Session,
    value: ColumnElement[int],
    present: ColumnElement[bool],
    period: Period,
    filters: Filters,
) -> dict[tuple[int, str], Percentiles]:
    """{(cohort, category or ALL): Percentiles} for the period (1) and the one before (0)."""
    group = cohort(period).label("cohort")
    ranked = (
        select(
            group,
            Case.category.label("category"),
            value.label("v"),
            func.row_number().over(partition_by=(group, Case.category), order_by=value).label("rn"),
            func.count().over(partition_by=(group, Case.category)).label("n"),
            func.row_number().over(partition_by=group, order_by=value).label("rn_all"),
            func.count().over(partition_by=group).label("n_all"),
        )
        .where(*both_periods(period, filters), present)
        .subquery()
    )
    c = ranked.c
    found: dict[tuple[int, str], Percentiles] = {}

    def pick(rn: ColumnElement[int], n: ColumnElement[int], percent: int) -> ColumnElement[int]:
        return func.max(case((rn == _rank(n, percent), c.v)))

    for keys, rn, n in (((c.cohort, c.category), c.rn, c.n), ((c.cohort,), c.rn_all, c.n_all)):
        query = select(*keys, func.max(n), pick(rn, n, 50), pick(rn, n, 90)).group_by(*keys)
        for row in session.execute(query):
            key = (int(row[0]), str(row[1]) if len(keys) == 2 else ALL)
            found[key] = Percentiles(int(row[-3]), _int(row[-2]), _int(row[-1]))
    return found


def _int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def load_speed(session: Session, period: Period, filters: Filters, *, now: datetime) -> Speed:
    first = _percentiles(
        session,
        Case.first_response_work_s,
        Case.first_response_work_s.is_not(None),
        period,
        filters,
    )
    resolution = _percentiles(
        session,
        Case.resolution_work_s,
        and_(Case.resolution_work_s.is_not(None), Case.resolution_work_at == Case.resolved_at),
        period,
        filters,
    )
    categories = sorted({k for _c, k in (*first, *resolution) if k != ALL})
    rows = [
        SpeedRow(
            key,
            first.get((1, key), NO_CASES),
            first.get((0, key), NO_CASES),
            resolution.get((1, key), NO_CASES),
            resolution.get((0, key), NO_CASES),
        )
        for key in [*categories, ALL]
    ]
    by_category, by_language, by_week, overall = _kept(session, period, filters, now)
    return Speed(rows, by_category, by_language, by_week, overall)


def _kept(
    session: Session, period: Period, filters: Filters, now: datetime
) -> tuple[list[KeptRate], list[KeptRate], list[WeekRate], KeptRate]:
    previous = period.previous()
    day = local_day(session, Case.created_at, previous.start, period.end, period.tz)
    promised = first_promise()
    kept = case(
        (and_(Case.first_response_at.is_not(None), Case.first_response_at <= promised), 1),
        else_=0,
    )
    due = or_(Case.first_response_at.is_not(None), promised < now)
    rows = session.execute(
        select(day, Case.category, Case.lang, func.count(), func.sum(kept).cast(Integer))
        .where(*both_periods(period, filters), due)
        .group_by(day, Case.category, Case.lang)
    ).all()
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for number, category, lang, count, kept_count in rows:
        local = day_of(number)
        offset = 0 if period.contains(local) else 2
        for key in (("category", category), ("lang", lang), ("all", ALL)):
            tally = tallies[key]
            tally[offset] += int(kept_count or 0)
            tally[offset + 1] += int(count)
        if offset == 0:
            week = weeks[week_start(local)]
            week[0] += int(kept_count or 0)
            week[1] += int(count)

    def rates(kind: str) -> list[KeptRate]:
        return [KeptRate(key, *tallies[(k, key)]) for k, key in sorted(tallies) if k == kind]

    all_weeks = sorted({week_start(d) for d in period.dates()})
    return (
        rates("category"),
        rates("lang"),
        [WeekRate(w, *weeks.get(w, [0, 0])) for w in all_weeks],
        KeptRate(ALL, *tallies[("all", ALL)]),
    )
