"""The response-time engine: calendar arithmetic and the backlog query.

``working_time_between`` is what the insights page calls for every case, so it has a target per
call over spans of weeks (random instants over three years, both calendars, warm tables).
``add_working_time`` is the promise itself. ``count_backlog`` is the one query the intake path
makes (reused for five seconds), timed on SQLite with a case history of 50,000 (quick: 10,000)
cases, 100 of them still unanswered.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from bench._harness import Result, verdict

TARGET_BETWEEN_US = 20.0
TARGET_BACKLOG_MS = 10.0


def _timed_us(calls: list, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        for call in calls:
            call()
    return (time.perf_counter() - started) / (repeat * len(calls)) * 1e6


def _calendar_results(quick: bool) -> list[Result]:
    from portal.sla.calendars import default_calendar

    rng = random.Random(5)
    calendars = [default_calendar("SE"), default_calendar("NO")]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    pairs = []
    for _ in range(2000):
        start = base + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        pairs.append((rng.choice(calendars), start, start + timedelta(days=rng.uniform(1, 42))))
    for calendar, start, end in pairs:  # warm the interval tables
        calendar.working_time_between(start, end)
    repeat = 5 if quick else 50
    between = _timed_us(
        [lambda c=c, a=a, b=b: c.working_time_between(a, b) for c, a, b in pairs], repeat
    )
    amounts = [timedelta(hours=rng.uniform(1, 100)) for _ in pairs]
    add = _timed_us(
        [
            lambda c=c, a=a, h=h: c.add_working_time(a, h)
            for (c, a, _b), h in zip(pairs, amounts, strict=True)
        ],
        repeat,
    )
    return [
        Result(
            "sla: working_time_between",
            f"{between:.1f} µs/call",
            f"≤ {TARGET_BETWEEN_US:.0f} µs",
            verdict(between <= TARGET_BETWEEN_US),
            ["spans of 1–42 days, SE and NO calendars, 2025–2027"],
        ),
        Result("sla: add_working_time", f"{add:.1f} µs/call", "", "info", ["1–100 working hours"]),
    ]


def _backlog_result(quick: bool) -> Result:
    from portal.cases.models import Case
    from portal.db.models import all_metadata
    from portal.sla.calendars import default_calendar
    from portal.sla.promise import count_backlog

    cases = 10_000 if quick else 50_000
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        for metadata in all_metadata():
            metadata.create_all(engine)
        now = datetime.now(UTC)
        rows = []
        for n in range(cases):
            created = now - timedelta(minutes=15 * n)
            open_ = n < 100
            rows.append(
                {
                    "reference": f"B{n:07d}",
                    "status": "new" if open_ else "closed",
                    "lang": "sv",
                    "email": "bench@example.com",
                    "category": "billing",
                    "description": "x",
                    "created_at": created,
                    "updated_at": created,
                    "promised_at": created,
                    "first_response_at": None if open_ else created + timedelta(hours=3),
                }
            )
        with Session(engine) as session:
            session.execute(insert(Case), rows)
            session.commit()
        calendar = default_calendar("SE")
        with Session(engine) as session:
            count_backlog(session, calendar, now)
            repeat = 20
            started = time.perf_counter()
            for _ in range(repeat):
                backlog = count_backlog(session, calendar, now)
            elapsed = (time.perf_counter() - started) / repeat * 1000
        engine.dispose()
    return Result(
        "sla: backlog query",
        f"{elapsed:.2f} ms",
        f"≤ {TARGET_BACKLOG_MS:.0f} ms",
        verdict(elapsed <= TARGET_BACKLOG_MS),
        [f"SQLite, {cases:,} cases, {backlog.ahead} ahead, {backlog.answered} answered last week"],
    )


def run(quick: bool) -> list[Result]:
    return [*_calendar_results(quick), _backlog_result(quick)]


if __name__ == "__main__":
    from bench._harness import print_table

    print_table(run(quick=False))
