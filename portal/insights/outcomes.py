"""Whether complaints end well: reopen rate, satisfaction, and the service-recovery rate.

Counted over the cases created in the period:
- reopen rate: cases reopened at least once, over cases resolved at least once;
- satisfaction (CSAT): the average and the spread of the 1–5 ratings customers gave when asked
  "Is your problem solved?" after the resolution;
- service recovery: resolved complaints whose customer answered "solved" (the case was closed on
  that answer) with a rating of 4 or 5, over resolved complaints — did the complaint turn an
  unhappy customer into a satisfied one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.insights.counts import RATINGS, DayCount, load_counts
from portal.insights.period import Compared, Filters, Period, ratio


@dataclass(frozen=True)
class OutcomeCounts:
    resolved_once: int
    reopened: int
    resolved: int
    recovered: int
    ratings: dict[int, int]

    @property
    def rated(self) -> int:
        return sum(self.ratings.values())

    @property
    def csat(self) -> float | None:
        """The average rating, 1–5."""
        total = sum(r * n for r, n in self.ratings.items())
        return total / self.rated if self.rated else None


EMPTY = OutcomeCounts(0, 0, 0, 0, dict.fromkeys(RATINGS, 0))


@dataclass(frozen=True)
class Outcomes:
    current: OutcomeCounts
    previous: OutcomeCounts

    @property
    def reopen_rate(self) -> Compared:
        return Compared(
            ratio(self.current.reopened, self.current.resolved_once),
            ratio(self.previous.reopened, self.previous.resolved_once),
        )

    @property
    def csat(self) -> Compared:
        return Compared(self.current.csat, self.previous.csat)

    @property
    def recovery_rate(self) -> Compared:
        return Compared(
            ratio(self.current.recovered, self.current.resolved),
            ratio(self.previous.recovered, self.previous.resolved),
        )


def load_outcomes(session: Session, period: Period, filters: Filters) -> Outcomes:
    return outcomes_of(load_counts(session, period, filters, now=period.end), period)


def outcomes_of(counts: list[DayCount], period: Period) -> Outcomes:
    totals = {True: [0] * (4 + len(RATINGS)), False: [0] * (4 + len(RATINGS))}
    for row in counts:
        values = (row.resolved_once, row.reopened, row.resolved, row.recovered, *row.ratings)
        total = totals[period.contains(row.day)]
        for i, value in enumerate(values):
            total[i] += value

    def counted(values: list[int]) -> OutcomeCounts:
        return OutcomeCounts(*values[:4], dict(zip(RATINGS, values[4:], strict=True)))

    return Outcomes(current=counted(totals[True]), previous=counted(totals[False]))
