"""The help centre's daily figures, summarised once a day has settled.

Searches are logged as readers type and their opened result is noted moments later; a form
session counts once it has been idle for an hour. A day is *settled* a day after it ends: from
then on its searches and sessions no longer change, so ``refresh_self_service`` counts it once
into ``DailySelfService``. The page adds the unsettled days (at most today and yesterday) live
with ``count_days`` and a clock: the same rules as ``kb.suggestion_events.deflection_stats``, but
reading only the events around those days.

Like the case summary, days are kept per time zone (``insights.summary.summary_zone``): each
zone a viewer uses settles and is counted on its own.

A form session belongs to the day of its first event; to find that event the events of the day
before are read too (a browser session that stays open for more than a day is counted from the
day before, a simplification the figures can bear).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, case, delete, func, select
from sqlalchemy.orm import Session

from kb.models import SearchLogEntry, SuggestionEvent
from kb.suggestion_events import CLICK, IMPRESSION, SESSION_IDLE, SUBMITTED
from portal.insights.models import DailySelfService
from portal.insights.period import day_of, local_day, local_midnight
from portal.insights.summary import SUMMARY_TZ, summary_state, summary_zone

SETTLE = timedelta(days=1)
LOOKBACK = timedelta(days=1)
FIELDS = (
    "searches",
    "zero_results",
    "opened",
    "impressions",
    "clicks",
    "sessions_shown",
    "deflected",
)


def settled_through(now: datetime, tz: ZoneInfo = SUMMARY_TZ) -> date:
    """The last local day in ``tz`` that ended at least ``SETTLE`` ago."""
    return (now - SETTLE).astimezone(tz).date() - timedelta(days=1)


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def _has(kind: str) -> ColumnElement[int]:
    return func.max(case((SuggestionEvent.kind == kind, 1), else_=0)).cast(Integer)


def count_days(
    session: Session,
    first: date,
    last: date,
    *,
    now: datetime | None = None,
    tz: ZoneInfo = SUMMARY_TZ,
) -> dict[tuple[date, str], dict[str, int]]:
    """{(day, language): counts} for the local days ``first``..``last`` in ``tz``; with ``now``,
    only form sessions that are over (idle for ``SESSION_IDLE``) count, as in
    ``deflection_stats``."""
    start = local_midnight(first, tz)
    end = local_midnight(last + timedelta(days=1), tz)
    found: dict[tuple[date, str], dict[str, int]] = {}

    def add(number: int, lang: str, **counts: int) -> None:
        found.setdefault((day_of(number), str(lang)), dict.fromkeys(FIELDS, 0)).update(counts)

    day = local_day(session, SearchLogEntry.created_at, start, end, tz)
    for number, lang, searches, zero, opened in session.execute(
        select(
            day,
            SearchLogEntry.lang,
            func.count(),
            _sum(SearchLogEntry.result_count == 0),
            func.count(SearchLogEntry.opened_key),
        )
        .where(SearchLogEntry.created_at >= start, SearchLogEntry.created_at < end)
        .group_by(day, SearchLogEntry.lang)
    ):
        add(number, lang, searches=int(searches), zero_results=int(zero or 0), opened=int(opened))
    day = local_day(session, SuggestionEvent.created_at, start, end, tz)
    impressions = {}
    for number, lang, shown, clicks in session.execute(
        select(
            day,
            SuggestionEvent.lang,
            _sum(SuggestionEvent.kind == IMPRESSION),
            _sum(SuggestionEvent.kind == CLICK),
        )
        .where(SuggestionEvent.created_at >= start, SuggestionEvent.created_at < end)
        .group_by(day, SuggestionEvent.lang)
    ):
        impressions[(number, lang)] = (int(shown or 0), int(clicks or 0))
    for (number, lang), (shown, clicks) in impressions.items():
        add(number, lang, impressions=shown, clicks=clicks)
    # Form sessions, per language as ``deflection_stats`` counts them, by their first event.
    sessions = (
        select(
            SuggestionEvent.lang.label("lang"),
            func.min(SuggestionEvent.created_at).label("began"),
            _has(IMPRESSION).label("shown"),
            _has(CLICK).label("clicked"),
            _has(SUBMITTED).label("submitted"),
        )
        .where(
            SuggestionEvent.created_at >= start - LOOKBACK,
            SuggestionEvent.created_at < end + SETTLE,
        )
        .group_by(SuggestionEvent.visitor_hash, SuggestionEvent.lang)
        .having(
            func.min(SuggestionEvent.created_at) >= start,
            func.min(SuggestionEvent.created_at) < end,
            *([func.max(SuggestionEvent.created_at) <= now - SESSION_IDLE] if now else []),
        )
        .subquery()
    )
    began = local_day(session, sessions.c.began, start, end, tz)
    shown = sessions.c.shown == 1
    deflected = shown & (sessions.c.clicked == 1) & (sessions.c.submitted == 0)
    for number, lang, shown_count, deflected_count in session.execute(
        select(began, sessions.c.lang, _sum(shown), _sum(deflected)).group_by(
            began, sessions.c.lang
        )
    ):
        add(
            number,
            lang,
            sessions_shown=int(shown_count or 0),
            deflected=int(deflected_count or 0),
        )
    return found


def refresh_self_service(session: Session, *, now: datetime, tz: ZoneInfo = SUMMARY_TZ) -> int:
    """Count ``tz``'s days that settled since the last refresh; returns how many were counted."""
    zone = summary_zone(tz)
    state = summary_state(session, zone, lock=True)
    last = settled_through(now, zone)
    if state.self_service_through is not None:
        first = state.self_service_through + timedelta(days=1)
    else:
        oldest = [
            session.scalar(select(func.min(SearchLogEntry.created_at))),
            session.scalar(select(func.min(SuggestionEvent.created_at))),
        ]
        known = [moment for moment in oldest if moment is not None]
        if not known:
            return 0
        first = min(known).astimezone(zone).date()
    if first > last:
        return 0
    session.execute(
        delete(DailySelfService).where(
            DailySelfService.tz == zone.key,
            DailySelfService.day >= first,
            DailySelfService.day <= last,
        )
    )
    rows = [
        {"tz": zone.key, "day": day, "lang": lang, **counts}
        for (day, lang), counts in count_days(session, first, last, tz=zone).items()
    ]
    if rows:
        session.execute(DailySelfService.__table__.insert(), rows)
    state.self_service_through = last
    session.flush()
    return (last - first).days + 1
