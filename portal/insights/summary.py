"""An incrementally maintained summary of the cases: counts per local day, category, language
and channel, so the insights page sums a few thousand rows instead of reading every case.

Local days depend on the viewer's time zone, so the summary is kept per zone: the zone a viewer
chose is summarised the first time someone views the page in it, and kept fresh from then on
like any other (each zone has its own watermark). Zones that keep the same clock as another
(``SAME_CLOCK``: Oslo, Copenhagen and Berlin keep Stockholm's) read that zone's rows.

Kept fresh by ``refresh_summary``, which the page runs before it reads: every case changed since
the last refresh (``cases.updated_at``, indexed) marks its creation day stale, and stale days are
counted again from the cases. A zone's first build counts every day once, three days per
transaction (``build_summary``), so complaints are not kept waiting for SQLite's write lock;
until it completes the zone has no ``counted_until`` and the page counts from the cases. When
anything changed, cases changed a few minutes before the watermark are counted again too, so a
transaction that committed late with an earlier ``updated_at`` is seen at the next change.
Deleting a case (not something the portal does) would need ``refresh_summary(session,
everything=True)``. What depends on the clock (whether an unanswered promise has run out) is
not summarised: ``counts`` asks for those few unanswered cases directly.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Integer, and_, case, delete, func, literal, select
from sqlalchemy.orm import Session, sessionmaker

from portal.cases.models import Case
from portal.db.session import reading, transaction
from portal.insights.histograms import pack
from portal.insights.models import DailyCases, DailyTimes, SummaryState
from portal.insights.period import DEFAULT_TZ, day_of, local_day, local_midnight

SUMMARY_TZ = ZoneInfo(DEFAULT_TZ)
RATINGS = (1, 2, 3, 4, 5)
MARGIN = timedelta(minutes=5)
BUCKET_S = 360  # a tenth of an hour
# Days counted per transaction of a zone's first build: at 200,000 cases three days hold
# SQLite's write lock for about 0.1 s (the whole build, 4 s), so a complaint submitted meanwhile
# waits no longer than that.
CHUNK_DAYS = 3
# Zones whose clocks have matched Stockholm's at every moment since 1996 (the EU's summer-time
# rules; a test checks it hour by hour): their local days are Stockholm's days.
SAME_CLOCK = dict.fromkeys(
    ("Europe/Oslo", "Europe/Copenhagen", "Europe/Berlin", "Europe/Paris", "Europe/Amsterdam"),
    DEFAULT_TZ,
)


def summary_zone(tz: ZoneInfo) -> ZoneInfo:
    """The zone whose summary counts ``tz``'s local days."""
    return ZoneInfo(SAME_CLOCK.get(tz.key, tz.key))


COUNTS = (
    "cases",
    "answered",
    "kept",
    "resolved_once",
    "reopened",
    "resolved",
    "recovered",
    *(f"rated_{r}" for r in RATINGS),
)


ANY = ""  # the summaries' language or channel for "any language", "any channel"


def first_promise() -> ColumnElement[datetime]:
    """The promise in the acknowledgement, even when a later update moved ``promised_at``."""
    return func.coalesce(Case.original_promised_at, Case.promised_at)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0)).cast(Integer)


def count_columns() -> list[ColumnElement[int]]:
    """The summary's counts over a group of cases, in the order of ``COUNTS``."""
    answered = Case.first_response_at.is_not(None)
    resolved = Case.resolved_at.is_not(None)
    return [
        func.count(),
        _count(answered),
        _count(and_(answered, Case.first_response_at <= first_promise())),
        _count(Case.resolved_at.is_not(None) | (Case.reopened_count > 0)),
        _count(Case.reopened_count > 0),
        _count(resolved),
        _count(
            and_(
                resolved,
                Case.status == "closed",
                Case.feedback_at.is_not(None),
                Case.satisfaction >= 4,
            )
        ),
        *(_count(Case.satisfaction == r) for r in RATINGS),
    ]


def work_bucket(value: ColumnElement[int]) -> ColumnElement[int]:
    """Working seconds to the nearest tenth of an hour (the precision the page shows)."""
    return (value + literal(BUCKET_S // 2)) // literal(BUCKET_S)


def _recount(session: Session, zone: ZoneInfo, days: list[date]) -> None:
    """Count ``days`` of ``zone`` (consecutive runs at a time) again from the cases."""
    for first, last in _runs(sorted(set(days))):
        start = local_midnight(first, zone)
        end = local_midnight(last + timedelta(days=1), zone)
        session.execute(
            delete(DailyCases).where(
                DailyCases.tz == zone.key, DailyCases.day >= first, DailyCases.day <= last
            )
        )
        day = local_day(session, Case.created_at, start, end, zone)
        rows = session.execute(
            select(day, Case.category, Case.lang, Case.channel, *count_columns())
            .where(Case.created_at >= start, Case.created_at < end)
            .group_by(day, Case.category, Case.lang, Case.channel)
        ).all()
        values: dict[tuple[date, str, str, str], dict[str, int]] = {}
        for row in rows:
            counts = [int(v or 0) for v in row[4:]]
            day_number, category, lang, channel = day_of(row[0]), row[1], row[2], row[3]
            # Each channel, and every channel together (read when no channel is chosen).
            for key in ((day_number, category, lang, channel), (day_number, category, lang, ANY)):
                found = values.setdefault(key, dict.fromkeys(COUNTS, 0))
                for name, value in zip(COUNTS, counts, strict=True):
                    found[name] += value
        _recount_times(session, zone, day, start, end, first, last)
        if values:
            session.execute(
                DailyCases.__table__.insert(),
                [
                    {"tz": zone.key, "day": d, "category": c, "lang": lang, "channel": ch, **n}
                    for (d, c, lang, ch), n in values.items()
                ],
            )


def _rolled_up(
    day: date, category: str, lang: str, channel: str
) -> tuple[tuple[date, str, str, str], ...]:
    return (
        (day, category, lang, channel),
        (day, category, lang, ANY),
        (day, category, ANY, channel),
        (day, category, ANY, ANY),
    )


def coarse_bucket(fine: int) -> int:
    """The summary's bucket of a working time in tenths of an hour: tenths below 10 hours,
    whole hours below 100, tens of hours below 1,000, then one bucket for anything longer."""
    if fine < 100:
        return fine
    hours = (fine + 5) // 10
    if hours < 100:
        return 100 + hours - 10
    tens = (fine + 50) // 100
    return 190 + min(tens, 100) - 10


def bucket_seconds(index: int) -> int:
    """The working seconds a summary bucket stands for."""
    if index < 100:
        return index * BUCKET_S
    if index < 190:
        return (index - 100 + 10) * 3600
    return (index - 190 + 10) * 36_000


BUCKETS = 281  # coarse_bucket(anything) < BUCKETS


def _recount_times(
    session: Session,
    zone: ZoneInfo,
    day: ColumnElement[int],
    start: datetime,
    end: datetime,
    first: date,
    last: date,
) -> None:
    """The working-time histograms of the days ``first``..``last``: per day, category, language
    and channel, and rolled up over any language and any channel (``ANY``), so the page reads one
    row per day and category whatever the filters."""
    session.execute(
        delete(DailyTimes).where(
            DailyTimes.tz == zone.key, DailyTimes.day >= first, DailyTimes.day <= last
        )
    )
    lists: dict[tuple[date, str, str, str], dict[str, list[int]]] = {}
    for name, column in (
        ("first_response", Case.first_response_work_s),
        ("resolution", Case.resolution_work_s),
    ):
        bucket = work_bucket(column)
        for number, category, lang, channel, fine, count in session.execute(
            select(day, Case.category, Case.lang, Case.channel, bucket, func.count())
            .where(Case.created_at >= start, Case.created_at < end, column.is_not(None))
            .group_by(day, Case.category, Case.lang, Case.channel, bucket)
        ):
            index, n = coarse_bucket(int(fine)), int(count)
            for key in _rolled_up(day_of(number), str(category), str(lang), str(channel)):
                counts = lists.setdefault(
                    key, {"first_response": [0] * BUCKETS, "resolution": [0] * BUCKETS}
                )
                counts[name][index] += n
    rows = [
        {
            "tz": zone.key,
            "day": key[0],
            "category": key[1],
            "lang": key[2],
            "channel": key[3],
            **{name: pack(counts) for name, counts in by_name.items()},
        }
        for key, by_name in lists.items()
    ]
    if rows:
        session.execute(DailyTimes.__table__.insert(), rows)


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day - runs[-1][1] <= timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def summary_state(session: Session, zone: ZoneInfo, *, lock: bool = False) -> SummaryState:
    """How far ``zone``'s summaries are (a new, empty state when it has none yet)."""
    state = session.get(SummaryState, zone.key, with_for_update=lock)
    if state is None:
        state = SummaryState(tz=zone.key)
        session.add(state)
    return state


def build_step(session: Session, tz: ZoneInfo, *, chunk_days: int) -> tuple[int, bool]:
    """Count the next ``chunk_days`` days of the first build of ``tz``'s summary (starting it
    when none is in progress); returns how many days were counted and whether it is complete."""
    zone = summary_zone(tz)
    # Builders take turns on PostgreSQL (the row is locked); SQLite has one writer anyway.
    state = session.get(SummaryState, zone.key, with_for_update=True) or summary_state(
        session, zone
    )
    if state.counted_until is not None:
        return 0, True
    if state.build_watermark is None or state.built_through is None:
        newest = session.scalar(select(func.max(Case.updated_at)))
        oldest = session.scalar(select(func.min(Case.created_at)))
        session.execute(delete(DailyCases).where(DailyCases.tz == zone.key))
        session.execute(delete(DailyTimes).where(DailyTimes.tz == zone.key))
        if newest is None or oldest is None:
            return 0, True  # no cases: nothing to summarise yet
        state.build_watermark = newest
        state.built_through = oldest.astimezone(zone).date() - timedelta(days=1)
    final = max(state.build_watermark.astimezone(zone).date(), state.built_through)
    first = state.built_through + timedelta(days=1)
    last = min(first + timedelta(days=chunk_days - 1), final)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    _recount(session, zone, days)
    state.built_through = last
    if last >= final:
        # Cases changed since the build began are counted again by the next refresh.
        state.counted_until = state.build_watermark
        state.build_watermark = None
        state.built_through = None
    session.flush()
    return len(days), state.counted_until is not None


def build_summary(
    factory: sessionmaker[Session], tz: ZoneInfo = SUMMARY_TZ, *, chunk_days: int = CHUNK_DAYS
) -> int:
    """Summarise a zone nobody viewed yet in transactions of ``chunk_days`` days each, so other
    writers (complaint intake) get the database between them; returns how many days were
    counted. An interrupted build resumes after its last committed day. Until it completes,
    ``refresh_summary`` would count the rest in one transaction and the page reads live figures
    (``is_summarised``)."""
    zone = summary_zone(tz)
    with reading(factory) as session:
        state = session.get(SummaryState, zone.key)
        if state is not None and state.counted_until is not None:
            return 0
    counted = 0
    while True:
        with transaction(factory) as session:
            days, done = build_step(session, zone, chunk_days=chunk_days)
        counted += days
        if done:
            return counted
        # Give up the interpreter for a moment: the writers' lock is not fair, and a builder
        # that took it again at once kept a waiting complaint out for 6–8 chunks.
        time.sleep(0)


def is_summarised(session: Session, tz: ZoneInfo) -> bool:
    """Whether ``tz``'s summaries are complete (a zone being built is read from the cases)."""
    state = session.get(SummaryState, summary_zone(tz).key)
    return state is not None and state.counted_until is not None


def refresh_summary(
    session: Session,
    tz: ZoneInfo = SUMMARY_TZ,
    *,
    everything: bool = False,
    measured: Iterable[datetime] = (),
) -> int:
    """Bring the summary of ``tz``'s days up to date; returns how many days were counted again.
    ``measured``: creation times of cases whose working times were just measured (their
    ``updated_at`` stays, as measuring is not a change to the case). A zone not summarised yet
    is counted (or its build finished) in this one transaction: ``build_summary`` first, when
    other writers must not wait for it."""
    zone = summary_zone(tz)
    # Refreshes take turns on PostgreSQL (the row is locked); SQLite has one writer anyway.
    existing = session.get(SummaryState, zone.key, with_for_update=True)
    if existing is not None and everything:
        existing.counted_until = existing.build_watermark = existing.built_through = None
    if existing is None or existing.counted_until is None:
        return build_step(session, zone, chunk_days=1_000_000)[0]
    newest = session.scalar(select(func.max(Case.updated_at)))
    if newest is None or newest <= existing.counted_until:
        days = [moment.astimezone(zone).date() for moment in measured]
        _recount(session, zone, days)
        return len(set(days))
    since = existing.counted_until - MARGIN
    created = session.scalars(select(Case.created_at).where(Case.updated_at > since).distinct())
    days = [moment.astimezone(zone).date() for moment in (*created, *measured)]
    _recount(session, zone, days)
    existing.counted_until = newest
    session.flush()
    return len(set(days))
