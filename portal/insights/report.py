"""Everything the insights page shows, loaded in one read: the same numbers feed the charts,
the tables and the CSV downloads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.counts import first_promise, load_counts
from portal.insights.outcomes import Outcomes, outcomes_of
from portal.insights.period import Filters, Period, within
from portal.insights.self_service_summary import refresh_self_service
from portal.insights.selfservice import SelfServiceRow, load_self_service
from portal.insights.speed import Speed, speed_of
from portal.insights.summary import is_summarised, refresh_summary
from portal.insights.terms import CategoryTerms, rising_terms
from portal.insights.volume import Volume, volume_of
from portal.insights.worktime import measure_working_times


@dataclass(frozen=True)
class Report:
    period: Period
    filters: Filters
    self_service: list[SelfServiceRow]
    # The case figures; None for viewers who only see the knowledge-base part.
    volume: Volume | None = None
    speed: Speed | None = None
    outcomes: Outcomes | None = None
    terms: list[CategoryTerms] | None = None


def prepare(session: Session, period: Period, *, now: datetime, cases: bool = True) -> int:
    """Measure working times missing in the report's window and bring the daily summaries of the
    period's zone up to date (a write, before the report is read); ``cases=False`` brings only
    the self-service summary up to date, for viewers who see nothing about complaints."""
    if not cases:
        refresh_self_service(session, now=now, tz=period.tz)
        return 0
    created: list[datetime] = []
    measured = measure_working_times(session, since=period.previous().start, created=created)
    refresh_summary(session, period.tz, measured=created)
    refresh_self_service(session, now=now, tz=period.tz)
    return measured


def build_report(
    session: Session,
    period: Period,
    filters: Filters,
    *,
    now: datetime,
    cases: bool = True,
    summarised: bool = True,
) -> Report:
    """The report for ``period``; ``cases=False`` leaves out everything about complaints.
    ``summarised`` reads the daily summary, so ``prepare`` must have run just before."""
    self_service = load_self_service(
        session, period, lang=filters.lang, now=now, summarised=summarised
    )
    if not cases:
        return Report(period, filters, self_service)
    # A zone whose first build has not completed is counted from the cases, never half-read.
    counted = summarised and is_summarised(session, period.tz)
    counts = load_counts(session, period, filters, now=now, summarised=counted)
    volume = volume_of(counts, period)
    return Report(
        period,
        filters,
        self_service,
        volume=volume,
        speed=speed_of(session, counts, period, filters, summarised=counted),
        outcomes=outcomes_of(counts, period),
        terms=rising_terms(session, period, filters, volume.categories),
    )


@dataclass(frozen=True)
class CaseLine:
    reference: str
    created_at: datetime
    category: str
    lang: str
    channel: str
    status: str
    promised_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    first_response_work_s: int | None
    resolution_work_s: int | None
    reopened_count: int
    satisfaction: int | None


def case_lines(session: Session, period: Period, filters: Filters) -> Iterator[CaseLine]:
    """The filtered cases created in the period, oldest first (for the CSV case list)."""
    query = (
        select(
            Case.reference,
            Case.created_at,
            Case.category,
            Case.lang,
            Case.channel,
            Case.status,
            first_promise().label("promised_at"),
            Case.first_response_at,
            Case.resolved_at,
            Case.first_response_work_s,
            Case.resolution_work_s,
            Case.reopened_count,
            Case.satisfaction,
        )
        .where(within(Case.created_at, period.start, period.end), *filters.clauses())
        .order_by(Case.created_at, Case.id)
    )
    for row in session.execute(query).yield_per(2000):
        yield CaseLine(*row)
