"""Search insights for editors, from the search log: what readers ask most, what finds nothing,
and what finds results no one opens — together, the list of articles to write next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kb.models import SearchLogEntry
from kb.types import utcnow

PERIODS = (7, 30, 90, 365)
LIMIT = 25


@dataclass(frozen=True)
class QueryStat:
    query: str
    searches: int
    opened: int
    results: int  # the most results any of these searches found


@dataclass(frozen=True)
class Insights:
    lang: str
    days: int
    since: datetime
    searches: int
    top: list[QueryStat]
    no_results: list[QueryStat]
    unopened: list[QueryStat]


def _grouped(lang: str, since: datetime) -> Select[tuple[str, int, int, int]]:
    searches = func.count()
    return (
        select(
            SearchLogEntry.query,
            searches.label("searches"),
            func.count(SearchLogEntry.opened_key).label("opened"),
            func.max(SearchLogEntry.result_count).label("results"),
        )
        .where(SearchLogEntry.lang == lang, SearchLogEntry.created_at >= since)
        .group_by(SearchLogEntry.query)
    )


def _stats(session: Session, query: Select[tuple[str, int, int, int]]) -> list[QueryStat]:
    return [QueryStat(str(q), int(n), int(o), int(r or 0)) for q, n, o, r in session.execute(query)]


def search_insights(
    session: Session, lang: str, days: int = 30, *, limit: int = LIMIT, now: datetime | None = None
) -> Insights:
    """The period's searches in ``lang``, grouped by the (already anonymised) query text."""
    since = (now or utcnow()) - timedelta(days=days)
    total = session.scalar(
        select(func.count())
        .select_from(SearchLogEntry)
        .where(SearchLogEntry.lang == lang, SearchLogEntry.created_at >= since)
    )
    grouped = _grouped(lang, since)
    n = func.count()
    top = grouped.order_by(n.desc(), SearchLogEntry.query).limit(limit)
    none_found = (
        grouped.having(func.max(SearchLogEntry.result_count) == 0)
        .order_by(n.desc(), SearchLogEntry.query)
        .limit(limit)
    )
    unopened = (
        grouped.having(
            func.max(SearchLogEntry.result_count) > 0,
            func.count(SearchLogEntry.opened_key) == 0,
        )
        .order_by(n.desc(), SearchLogEntry.query)
        .limit(limit)
    )
    return Insights(
        lang=lang,
        days=days,
        since=since,
        searches=int(total or 0),
        top=_stats(session, top),
        no_results=_stats(session, none_found),
        unopened=_stats(session, unopened),
    )
