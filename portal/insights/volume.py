"""Complaints over time by category, and the categories that grew or shrank."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.period import Compared, Filters, Period, day_of, local_day, week_start

# Longer periods are drawn by week, so a chart never has more than a few dozen points.
DAILY_UP_TO = 31


@dataclass(frozen=True)
class Bucket:
    """One point on the time axis: a local day, or the week starting that Monday."""

    start: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CategoryVolume:
    category: str
    cases: Compared


@dataclass(frozen=True)
class Volume:
    by_week: bool
    categories: list[str]  # those with cases in either period, busiest first
    buckets: list[Bucket]
    top: list[CategoryVolume]
    total: Compared


def load_volume(session: Session, period: Period, filters: Filters) -> Volume:
    """Cases created per local day and category in the period and the one before it."""
    previous = period.previous()
    day = local_day(session, Case.created_at, previous.start, period.end, period.tz)
    rows = session.execute(
        select(day.label("day"), Case.category, func.count())
        .where(Case.created_at >= previous.start, Case.created_at < period.end)
        .where(*filters.clauses())
        .group_by(day, Case.category)
    ).all()
    by_week = period.days > DAILY_UP_TO
    current: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    series: dict[date, dict[str, int]] = {}
    for number, category, count in rows:
        local = day_of(number)
        if period.contains(local):
            current[category] += count
            key = week_start(local) if by_week else local
            bucket = series.setdefault(key, defaultdict(int))
            bucket[category] += count
        else:
            before[category] += count
    names = sorted(set(current) | set(before), key=lambda c: (-current[c], -before[c], c))
    starts = sorted({week_start(d) if by_week else d for d in period.dates()})
    buckets = [
        Bucket(start, {c: series.get(start, {}).get(c, 0) for c in names}) for start in starts
    ]
    top = [CategoryVolume(c, Compared(current[c], before[c])) for c in names]
    return Volume(
        by_week=by_week,
        categories=names,
        buckets=buckets,
        top=top,
        total=Compared(sum(current.values()), sum(before.values())),
    )
