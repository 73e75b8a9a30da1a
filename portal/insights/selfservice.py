"""What the help centre answers on its own, per language: searches, searches that found
nothing, searches whose results were opened, and the articles suggested beside the complaint
form — shown, opened, and possibly deflecting the complaint (``kb.suggestion_events``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.orm import Session

from kb.models import SearchLogEntry, SuggestionEvent
from kb.suggestion_events import CLICK, IMPRESSION, deflection_stats
from portal.i18n import LANGUAGES
from portal.insights.models import DailySelfService, SummaryState
from portal.insights.period import Compared, Period, local_midnight, ratio
from portal.insights.self_service_summary import FIELDS, count_days
from portal.insights.summary import summary_zone


@dataclass(frozen=True)
class SelfServiceCounts:
    searches: int = 0
    zero_results: int = 0
    opened: int = 0
    impressions: int = 0
    clicks: int = 0
    sessions_shown: int = 0
    deflected: int = 0

    @property
    def zero_rate(self) -> float | None:
        return ratio(self.zero_results, self.searches)

    @property
    def click_through(self) -> float | None:
        return ratio(self.opened, self.searches)

    @property
    def deflection_rate(self) -> float | None:
        return ratio(self.deflected, self.sessions_shown)


@dataclass(frozen=True)
class SelfServiceRow:
    lang: str
    current: SelfServiceCounts
    previous: SelfServiceCounts

    def compared(self, name: str) -> Compared:
        return Compared(getattr(self.current, name), getattr(self.previous, name))


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


Tally = dict[str, dict[str, int]]  # language -> field -> count


def _add(tally: Tally, lang: str, **counts: int) -> None:
    fields = tally.setdefault(lang, defaultdict(int))
    for name, value in counts.items():
        fields[name] += value


def _live(session: Session, start: datetime, end: datetime, now: datetime, tally: Tally) -> None:
    """Counts for [start, end) straight from the logs, added to ``tally``."""
    for lang, searches, zero, opened in session.execute(
        select(
            SearchLogEntry.lang,
            func.count(),
            _sum(SearchLogEntry.result_count == 0),
            func.count(SearchLogEntry.opened_key),
        )
        .where(SearchLogEntry.created_at >= start, SearchLogEntry.created_at < end)
        .group_by(SearchLogEntry.lang)
    ):
        _add(tally, lang, searches=searches, zero_results=zero or 0, opened=opened)
    for lang, impressions, clicks in session.execute(
        select(
            SuggestionEvent.lang,
            _sum(SuggestionEvent.kind == IMPRESSION),
            _sum(SuggestionEvent.kind == CLICK),
        )
        .where(SuggestionEvent.created_at >= start, SuggestionEvent.created_at < end)
        .group_by(SuggestionEvent.lang)
    ):
        _add(tally, lang, impressions=impressions or 0, clicks=clicks or 0)
    for code in LANGUAGES:
        deflection = deflection_stats(session, start, end, lang=code, now=now)
        _add(tally, code, sessions_shown=deflection.shown, deflected=deflection.deflected)


def _summarised(session: Session, zone: str, first: date, last: date, tally: Tally) -> None:
    """Counts of the settled days ``first``..``last`` from ``zone``'s daily summary."""
    for row in session.execute(
        select(
            DailySelfService.lang,
            *(func.sum(getattr(DailySelfService, name)) for name in FIELDS),
        )
        .where(
            DailySelfService.tz == zone,
            DailySelfService.day >= first,
            DailySelfService.day <= last,
        )
        .group_by(DailySelfService.lang)
    ):
        _add(tally, row[0], **{name: int(v or 0) for name, v in zip(FIELDS, row[1:], strict=True)})


def _span(session: Session, span: Period, settled: date | None, now: datetime) -> Tally:
    tally: Tally = {}
    live_from = span.first
    if settled is not None and settled >= span.first:
        through = min(settled, span.last)
        _summarised(session, summary_zone(span.tz).key, span.first, through, tally)
        live_from = through + timedelta(days=1)
    if live_from > span.last:
        return tally
    if settled is None:
        _live(session, local_midnight(live_from, span.tz), span.end, now, tally)
        return tally
    unsettled = count_days(session, live_from, span.last, now=now, tz=span.tz)
    for (_day, lang), counts in unsettled.items():
        _add(tally, lang, **counts)
    return tally


def load_self_service(
    session: Session,
    period: Period,
    *,
    lang: str = "",
    now: datetime,
    summarised: bool = False,
) -> list[SelfServiceRow]:
    """One row per language (only ``lang`` when given), then the total over the languages.
    ``summarised`` reads settled days from the daily summary (``refresh_self_service`` first)."""
    settled = None
    if summarised:
        state = session.get(SummaryState, summary_zone(period.tz).key)
        # Nothing settled yet: every day is counted live, around the days asked for only.
        settled = (state.self_service_through if state else None) or date.min
    current = _span(session, period, settled, now)
    before = _span(session, period.previous(), settled, now)

    def counts(tally: Tally, code: str) -> SelfServiceCounts:
        return SelfServiceCounts(**tally.get(code, {}))

    rows = [
        SelfServiceRow(code, counts(current, code), counts(before, code))
        for code in LANGUAGES
        if not lang or code == lang
    ]
    if len(rows) > 1:
        rows.append(
            SelfServiceRow("", _total(r.current for r in rows), _total(r.previous for r in rows))
        )
    return rows


def _total(counts: Iterable[SelfServiceCounts]) -> SelfServiceCounts:
    items = list(counts)
    fields = SelfServiceCounts.__dataclass_fields__
    return SelfServiceCounts(**{f: sum(getattr(c, f) for c in items) for f in fields})
