"""How fast cases are answered and resolved, in working time, and how often the promise held.

Percentiles use the nearest-rank rule (the value at rank ceil(p × n) of the sorted values, so the
median of four values is the second). The page reads per-day histograms from the summary
(``insights_daily_times`` per day, category, language and channel, and rolled up over any
language and channel: tenths of an hour below 10 h, hours below 100 h, tens of hours beyond),
one row per day and category summed as whole arrays at once (``insights.histograms``); without
the summary SQL counts the cases per category and tenth of an hour, on both databases alike.
Either way the ranks are walked over a few hundred buckets instead of sorting every case.

The promise-kept rate uses the first promise made to the customer (``original_promised_at``
when a later, honest update moved ``promised_at``): kept when the first public reply came at or
before it; broken when it came later or has not come and the time has passed. Cases still
within their promise and unanswered are not counted yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.counts import DayCount, load_counts
from portal.insights.histograms import as_number, unpack
from portal.insights.models import DailyTimes
from portal.insights.period import (
    Compared,
    Filters,
    Period,
    ratio,
    week_start,
    within,
)
from portal.insights.summary import (
    ANY,
    BUCKET_S,
    BUCKETS,
    bucket_seconds,
    summary_zone,
    work_bucket,
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


def _nearest_rank(histogram: list[tuple[int, int]], percent: int) -> int:
    """The bucket holding rank ceil(n × percent / 100) of a sorted (bucket, count) list."""
    n = sum(count for _b, count in histogram)
    rank = -(-n * percent // 100)
    seen = 0
    for bucket, count in histogram:
        seen += count
        if seen >= rank:
            return bucket
    return histogram[-1][0]


def _percentiles(
    session: Session,
    value: ColumnElement[int],
    present: ColumnElement[bool],
    period: Period,
    filters: Filters,
) -> dict[tuple[int, str], Percentiles]:
    """{(cohort, category or ALL): Percentiles} for the period (1) and the one before (0)."""
    bucket = work_bucket(value)
    histograms: dict[tuple[int, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    # One query per period: grouping by the period as well costs SQLite far more than twice.
    for group, span in ((1, period), (0, period.previous())):
        rows = session.execute(
            select(Case.category, bucket, func.count())
            .where(within(Case.created_at, span.start, span.end), *filters.clauses(), present)
            .group_by(Case.category, bucket)
        ).all()
        for category, bucket_value, count in rows:
            for key in ((group, str(category)), (group, ALL)):
                histograms[key][int(bucket_value)] += int(count)
    return _from_histograms(histograms)


def load_speed(session: Session, period: Period, filters: Filters, *, now: datetime) -> Speed:
    return speed_of(session, load_counts(session, period, filters, now=now), period, filters)


def _from_histograms(
    histograms: dict[tuple[int, str], dict[int, int]],
) -> dict[tuple[int, str], Percentiles]:
    found = {}
    for key, counts in histograms.items():
        histogram = sorted((b, n) for b, n in counts.items() if n)
        if not histogram:
            continue
        found[key] = Percentiles(
            sum(counts.values()),
            _nearest_rank(histogram, 50) * BUCKET_S,
            _nearest_rank(histogram, 90) * BUCKET_S,
        )
    return found


def _summarised_percentiles(
    session: Session, period: Period, filters: Filters
) -> tuple[dict[tuple[int, str], Percentiles], dict[tuple[int, str], Percentiles]]:
    """Both metrics' percentiles summed from the daily histograms of the summary."""
    sums: tuple[dict[tuple[int, str], int], ...] = (defaultdict(int), defaultdict(int))
    rows = session.execute(
        select(
            DailyTimes.day, DailyTimes.category, DailyTimes.first_response, DailyTimes.resolution
        )
        .where(
            DailyTimes.tz == summary_zone(period.tz).key,
            DailyTimes.day >= period.previous().first,
            DailyTimes.day <= period.last,
        )
        .where(
            DailyTimes.lang == (filters.lang or ANY),
            DailyTimes.channel == (filters.channel or ANY),
            *([DailyTimes.category == filters.category] if filters.category else []),
        )
    )
    first, last = period.first, period.last
    for day, category, *blobs in rows:
        key = (1 if first <= day <= last else 0, category)
        for acc, blob in zip(sums, blobs, strict=True):
            if blob:
                acc[key] += as_number(blob)
    found = []
    for acc in sums:
        for (group, _category), number in list(acc.items()):  # every category, per period
            acc[(group, ALL)] += number
        metric = {}
        for key, number in acc.items():
            counts = unpack(number, BUCKETS)
            n = sum(counts)
            if n:
                metric[key] = Percentiles(
                    n,
                    bucket_seconds(_rank_index(counts, n, 50)),
                    bucket_seconds(_rank_index(counts, n, 90)),
                )
        found.append(metric)
    return found[0], found[1]


def _rank_index(counts: list[int], n: int, percent: int) -> int:
    """The index holding rank ceil(n × percent / 100) of a list of counts per bucket."""
    rank = -(-n * percent // 100)
    seen = 0
    for index, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return index
    return len(counts) - 1


def speed_of(
    session: Session,
    counts: list[DayCount],
    period: Period,
    filters: Filters,
    *,
    summarised: bool = False,
) -> Speed:
    if summarised:
        first, resolution = _summarised_percentiles(session, period, filters)
    else:
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
            Case.resolution_work_s.is_not(None),
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
    by_category, by_language, by_week, overall = _kept(counts, period)
    return Speed(rows, by_category, by_language, by_week, overall)


def _kept(
    counts: list[DayCount], period: Period
) -> tuple[list[KeptRate], list[KeptRate], list[WeekRate], KeptRate]:
    tallies: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    weeks: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for row in counts:
        if not row.due:
            continue
        current = period.contains(row.day)
        offset = 0 if current else 2
        for key in (("category", row.category), ("lang", row.lang), ("all", ALL)):
            tally = tallies[key]
            tally[offset] += row.kept
            tally[offset + 1] += row.due
        if current:
            week = weeks[week_start(row.day)]
            week[0] += row.kept
            week[1] += row.due

    def rates(kind: str) -> list[KeptRate]:
        return [KeptRate(key, *tallies[(k, key)]) for k, key in sorted(tallies) if k == kind]

    all_weeks = sorted({week_start(d) for d in period.dates()})
    return (
        rates("category"),
        rates("lang"),
        [WeekRate(w, *weeks.get(w, [0, 0])) for w in all_weeks],
        KeptRate(ALL, *tallies[("all", ALL)]),
    )
