"""The insights page for the last 90 days with 200,000 cases in the database, on SQLite and on
PostgreSQL.

Six months of history (200,000 cases, with a search log and suggestion events beside them) is
bulk-inserted with SQLAlchemy Core, the working times are measured once (as the page does for
new cases), and then ``GET /staff/insights?period=90`` is requested in-process, signed in as an
admin who is also an agent (every section). The figure is the server time of one request: p50
and p95 over the samples. Target: ≤ 300 ms on each database.

PostgreSQL: ``PORTAL_BENCH_DATABASE_URL`` or the local server
``postgresql://postgres@127.0.0.1:5432/postgres``; a throwaway database is created and dropped.
"""

from __future__ import annotations

import logging
import os
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench._harness import (
    Result,
    cli,
    data_dir,
    migrate,
    ms,
    percentile,
    portal_env,
    skipped,
    verdict,
)

TARGET_S = 0.300
CASES = 200_000
DAYS = 180
SEARCHES = 100_000
SUGGESTION_SESSIONS = 20_000
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PATH = "/staff/insights?period=90"
BATCH = 10_000

CATEGORIES = (("product", 40), ("service", 30), ("billing", 20), ("other", 10))
LANGS = (("sv", 45), ("en", 30), ("nb", 25))
CHANNELS = (("web", 80), ("email", 12), ("phone", 8))
RATINGS = ((5, 40), (4, 25), (3, 15), (2, 10), (1, 10))
_VOCABULARY = {
    "en": "lamp arrived broken cracked glass parcel late delivery refund invoice charged twice "
    "missing part wrong colour courier lost order never came app login fails",
    "sv": "lampan kom trasig sprucket glas paketet försenat leverans återbetalning faktura "
    "dubbeldebiterad saknad del fel färg budet tappade beställningen kom aldrig",
    "nb": "lampen kom ødelagt sprukket glass pakken forsinket levering refusjon faktura "
    "belastet dobbelt manglende del feil farge budet mistet bestillingen kom aldri",
}
WORDS = {lang: words.split() for lang, words in _VOCABULARY.items()}


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _w in weighted], [w for _v, w in weighted])[0]


def _cases(rng: random.Random, calendars: Any, count: int, days: int) -> Iterator[dict[str, Any]]:
    """Realistic cases: mostly weekdays, answers in working hours, some late, some reopened."""
    start = END - timedelta(days=days)
    span = int((END - start).total_seconds())
    for i in range(count):
        created = start + timedelta(seconds=rng.randrange(span))
        if created.weekday() >= 5 and rng.random() < 0.6:  # fewer complaints at weekends
            created -= timedelta(days=2)
        lang, category = _pick(rng, LANGS), _pick(rng, CATEGORIES)
        calendar = calendars(lang)
        promised = calendar.add_working_time(created, timedelta(hours=9 if i % 2 else 18))
        row: dict[str, Any] = {
            "reference": f"B{i:07d}",
            "status": "new",
            "lang": lang,
            "email": f"customer{i % 5000}@example.com",
            "category": category,
            "channel": _pick(rng, CHANNELS),
            "description": " ".join(rng.choices(WORDS[lang], k=rng.randint(6, 16))),
            "created_at": created,
            "updated_at": created,
            "promised_at": promised,
            "first_response_at": None,
            "resolved_at": None,
            "feedback_at": None,
            "satisfaction": None,
            "reopened_count": 0,
        }
        if created < END - timedelta(days=2) or rng.random() < 0.5:
            first = timedelta(hours=rng.lognormvariate(1.6, 0.8))  # median ≈ 5 working hours
            row["first_response_at"] = calendar.add_working_time(created, first)
            row["status"] = "open"
            if rng.random() < 0.8:
                more = timedelta(hours=rng.lognormvariate(3.0, 0.9))  # median ≈ 20 h more
                row["resolved_at"] = calendar.add_working_time(created, first + more)
                row["status"] = "resolved"
                row["reopened_count"] = 1 if rng.random() < 0.06 else 0
                if rng.random() < 0.6:
                    row["status"] = "closed"
                    row["feedback_at"] = row["resolved_at"] + timedelta(days=1)
                    row["satisfaction"] = _pick(rng, RATINGS)
        yield row


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def populate(url: str, *, cases: int = CASES, days: int = DAYS, seed: int = 6) -> dict[str, float]:
    """Bulk-insert the history; returns seconds spent on inserting and on measuring."""
    from kb.models import SearchLogEntry, SuggestionEvent
    from portal.cases.models import Case
    from portal.insights.summary import refresh_summary
    from portal.insights.worktime import calendars, measure_working_times
    from portal.settings import normalise_database_url

    rng = random.Random(seed)
    engine = create_engine(normalise_database_url(url))
    started = time.perf_counter()
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        calendar_for = calendars(session)
    with engine.begin() as conn:
        for batch in _batches(_cases(rng, calendar_for, cases, days)):
            conn.execute(Case.__table__.insert(), batch)
        start = END - timedelta(days=days)
        span = int((END - start).total_seconds())
        searches = (
            {
                "created_at": start + timedelta(seconds=rng.randrange(span)),
                "lang": _pick(rng, LANGS),
                "query": rng.choice(WORDS["en"]),
                "result_count": 0 if rng.random() < 0.12 else rng.randint(1, 20),
                "opened_key": "delivery-times" if rng.random() < 0.45 else None,
            }
            for _ in range(SEARCHES)
        )
        for batch in _batches(searches):
            conn.execute(SearchLogEntry.__table__.insert(), batch)
        events = []
        for n in range(SUGGESTION_SESSIONS):
            at = start + timedelta(seconds=rng.randrange(span))
            lang = _pick(rng, LANGS)
            visitor = f"v{n:08d}"
            events.append(_event(at, lang, visitor, "impression"))
            if rng.random() < 0.3:
                events.append(_event(at + timedelta(minutes=1), lang, visitor, "click"))
            if rng.random() < 0.6:
                events.append(_event(at + timedelta(minutes=3), lang, visitor, "submitted"))
        for batch in _batches(iter(events)):
            conn.execute(SuggestionEvent.__table__.insert(), batch)
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    with Session(engine) as session:
        while measure_working_times(session, since=END - timedelta(days=days + 1)):
            session.commit()
        session.commit()
    measured = time.perf_counter() - started
    started = time.perf_counter()
    with Session(engine) as session:
        refresh_summary(session)
        session.commit()
    summarised = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"insert": inserted, "measure": measured, "summary": summarised}


def _event(at: datetime, lang: str, visitor: str, kind: str) -> dict[str, Any]:
    return {
        "created_at": at,
        "lang": lang,
        "visitor_hash": visitor,
        "kind": kind,
        "article_key": "delivery-times",
    }


def _timings(env: dict[str, str], samples: int) -> list[float]:
    """Server time of ``GET /staff/insights?period=90``, in-process, signed in as admin+agent."""
    from litestar.testing import TestClient

    from portal.app import create_app
    from portal.services import Services
    from portal.settings import Settings
    from portal.staff import accounts, sessions
    from portal.staff.guards import SESSION_COOKIE

    settings = Settings.from_env(env)
    services = Services.build(settings)
    services.clock = lambda: END
    with services.write() as session:
        user = accounts.create_user(
            session, "bench@example.com", "bench password 0123", ["admin", "agent"], "Bench"
        )
        token = sessions.open_session(session, user, now=END)
    timings = []
    try:
        with TestClient(create_app(settings, services), base_url="http://bench.local") as client:
            client.cookies.set(SESSION_COOKIE, token, domain="bench.local", path="/staff")
            for i in range(samples + 2):  # two warm-up requests
                started = time.perf_counter()
                response = client.get(PATH)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"{PATH} answered {response.status_code}")
                if i >= 2:
                    timings.append(elapsed)
    finally:
        services.close()
    return timings


def _result(name: str, timings: list[float], setup: dict[str, float]) -> Result:
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    return Result(
        name,
        f"p50 {ms(p50)}, p95 {ms(p95)}",
        "≤ 300 ms",
        verdict(p95 <= TARGET_S),
        [
            f"{len(timings)} requests; insert {setup['insert']:.0f} s, "
            f"working times measured in {setup['measure']:.0f} s and the daily summary built "
            f"in {setup['summary']:.0f} s (once, not per request)"
        ],
    )


def _sqlite(work: Path, cases: int, samples: int) -> Result:
    env = portal_env(work, PORTAL_OUTBOX_IN_PROCESS="false")
    url = migrate(env)
    setup = populate(url, cases=cases)
    return _result(f"insights page, {cases:,} cases, SQLite", _timings(env, samples), setup)


def _postgres(work: Path, cases: int, samples: int) -> Result:
    server = make_url(os.environ.get("PORTAL_BENCH_DATABASE_URL") or PG_DEFAULT)
    name = f"svar_bench_insights_{uuid.uuid4().hex[:8]}"
    from portal.settings import normalise_database_url

    admin = create_engine(
        normalise_database_url(server.render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        env = portal_env(work, PORTAL_OUTBOX_IN_PROCESS="false", PORTAL_DATABASE_URL=url)
        migrate(env)
        setup = populate(url, cases=cases)
        timings = _timings(env, samples)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return _result(f"insights page, {cases:,} cases, PostgreSQL", timings, setup)


def run(quick: bool = True) -> list[Result]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    samples = 15 if quick else 50
    results = []
    for label, measure in (("SQLite", _sqlite), ("PostgreSQL", _postgres)):
        with data_dir("svar-bench-insights-") as work:
            try:
                results.append(measure(work, CASES, samples))
            except Exception as exc:  # a missing server is reported, never a crash
                name = f"insights page, {CASES:,} cases, {label}"
                results.append(skipped(name, f"{type(exc).__name__}: {exc}", "≤ 300 ms"))
    return results


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
