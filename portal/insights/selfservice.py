"""What the help centre answers on its own, per language: searches, searches that found
nothing, searches whose results were opened, and the articles suggested beside the complaint
form — shown, opened, and possibly deflecting the complaint (``kb.suggestion_events``)."""

from __future__ import annotations

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


def _counts(
    session: Session, start: datetime, end: datetime, lang: str, now: datetime
) -> SelfServiceCounts:
    searches = session.execute(
        select(
            func.count(),
            _sum(SearchLogEntry.result_count == 0),
            func.count(SearchLogEntry.opened_key),
        ).where(
            SearchLogEntry.lang == lang,
            SearchLogEntry.created_at >= start,
            SearchLogEntry.created_at < end,
        )
    ).one()
    events = session.execute(
        select(_sum(SuggestionEvent.kind == IMPRESSION), _sum(SuggestionEvent.kind == CLICK)).where(
            SuggestionEvent.lang == lang,
            SuggestionEvent.created_at >= start,
            SuggestionEvent.created_at < end,
        )
    ).one()
    deflection = deflection_stats(session, start, end, lang=lang, now=now)
    return SelfServiceCounts(
        searches=int(searches[0] or 0),
        zero_results=int(searches[1] or 0),
        opened=int(searches[2] or 0),
        impressions=int(events[0] or 0),
        clicks=int(events[1] or 0),
        sessions_shown=deflection.shown,
        deflected=deflection.deflected,
    )


def load_self_service(
    session: Session, period: Period, *, lang: str = "", now: datetime
) -> list[SelfServiceRow]:
    """One row per language (only ``lang`` when given), then the total over the languages."""
    previous = period.previous()
    rows = [
        SelfServiceRow(
            code,
            _counts(session, period.start, period.end, code, now),
            _counts(session, previous.start, previous.end, code, now),
        )
        for code in LANGUAGES
        if not lang or code == lang
    ]
    if len(rows) > 1:
        rows.append(
            SelfServiceRow("", _total(r.current for r in rows), _total(r.previous for r in rows))
        )
    return rows


def _total(counts: object) -> SelfServiceCounts:
    items = list(counts)  # type: ignore[call-overload]
    fields = SelfServiceCounts.__dataclass_fields__
    return SelfServiceCounts(**{f: sum(getattr(c, f) for c in items) for f in fields})
