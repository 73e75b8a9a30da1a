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

from sqlalchemy import ColumnElement, Integer, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.period import Compared, Filters, Period, both_periods, cohort, ratio

RATINGS = (1, 2, 3, 4, 5)


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


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def load_outcomes(session: Session, period: Period, filters: Filters) -> Outcomes:
    group = cohort(period).label("cohort")
    resolved = Case.resolved_at.is_not(None)
    recovered = and_(
        resolved,
        Case.status == "closed",
        Case.feedback_at.is_not(None),
        Case.satisfaction >= 4,
    )
    query = (
        select(
            group,
            _count(or_(resolved, Case.reopened_count > 0)),
            _count(Case.reopened_count > 0),
            _count(resolved),
            _count(recovered),
            *(_count(Case.satisfaction == r) for r in RATINGS),
        )
        .where(*both_periods(period, filters))
        .group_by(group)
    )
    found = {0: EMPTY, 1: EMPTY}
    for row in session.execute(query):
        values = [int(v or 0) for v in row[1:]]
        found[int(row[0])] = OutcomeCounts(*values[:4], dict(zip(RATINGS, values[4:], strict=True)))
    return Outcomes(current=found[1], previous=found[0])
