"""What the help centre answers on its own, per language: searches, searches that found
nothing, searches whose results were opened, and the articles suggested beside the complaint
form — shown, opened, and possibly deflecting the complaint (``kb.suggestion_events``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, case, func, select
from sqlalchemy.orm import Session

from kb.models import SearchLogEntry, SuggestionEvent
from kb.suggestion_events import CLICK, IMPRESSION, deflection_stats
from portal.i18n import LANGUAGES
from portal.insights.period import Compared, Period, ratio


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


def _by_language(
    session: Session, period: Period, now: datetime
) -> dict[tuple[str, bool], dict[str, int]]:
    """{(language, in the period?): counts} from one pass over the search log and one over the
    suggestion events; deflection per language and period from ``kb.suggestion_events``."""
    found: dict[tuple[str, bool], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    previous = period.previous()
    current = case((SearchLogEntry.created_at >= period.start, 1), else_=0)
    for lang, in_period, searches, zero, opened in session.execute(
        select(
            SearchLogEntry.lang,
            current,
            func.count(),
            _sum(SearchLogEntry.result_count == 0),
            func.count(SearchLogEntry.opened_key),
        )
        .where(SearchLogEntry.created_at >= previous.start, SearchLogEntry.created_at < period.end)
        .group_by(SearchLogEntry.lang, current)
    ):
        counts = found[(str(lang), bool(in_period))]
        counts.update(searches=int(searches), zero_results=int(zero or 0), opened=int(opened))
    shown = case((SuggestionEvent.created_at >= period.start, 1), else_=0)
    for lang, in_period, impressions, clicks in session.execute(
        select(
            SuggestionEvent.lang,
            shown,
            _sum(SuggestionEvent.kind == IMPRESSION),
            _sum(SuggestionEvent.kind == CLICK),
        )
        .where(
            SuggestionEvent.created_at >= previous.start, SuggestionEvent.created_at < period.end
        )
        .group_by(SuggestionEvent.lang, shown)
    ):
        counts = found[(str(lang), bool(in_period))]
        counts.update(impressions=int(impressions or 0), clicks=int(clicks or 0))
    return found


def load_self_service(
    session: Session, period: Period, *, lang: str = "", now: datetime
) -> list[SelfServiceRow]:
    """One row per language (only ``lang`` when given), then the total over the languages."""
    found = _by_language(session, period, now)
    previous = period.previous()

    def counts(code: str, span: Period, in_period: bool) -> SelfServiceCounts:
        deflection = deflection_stats(session, span.start, span.end, lang=code, now=now)
        return SelfServiceCounts(
            **found.get((code, in_period), {}),
            sessions_shown=deflection.shown,
            deflected=deflection.deflected,
        )

    rows = [
        SelfServiceRow(code, counts(code, period, True), counts(code, previous, False))
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
