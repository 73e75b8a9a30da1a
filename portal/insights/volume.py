"""Complaints over time by category, and the categories that grew or shrank."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal.insights.counts import DayCount, load_counts
from portal.insights.period import Compared, Filters, Period, week_start

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
    return volume_of(load_counts(session, period, filters, now=period.end), period)


def volume_of(counts: list[DayCount], period: Period) -> Volume:
    by_week = period.days > DAILY_UP_TO
    current: dict[str, int] = defaultdict(int)
    before: dict[str, int] = defaultdict(int)
    series: dict[date, dict[str, int]] = {}
    for row in counts:
        if period.contains(row.day):
            current[row.category] += row.cases
            key = week_start(row.day) if by_week else row.day
            bucket = series.setdefault(key, defaultdict(int))
            bucket[row.category] += row.cases
        else:
            before[row.category] += row.cases
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
