"""The insights page for the last 90 days with 200,000 cases in the database, on SQLite and on
PostgreSQL.

Six months of history (200,000 cases with their timelines, and the searches and form
suggestions of those months) is written by ``portal.demo.history``, the working times are
measured once (as the page does for new cases) and the daily summary is built. Then
``GET /staff/insights?period=90`` is requested in-process, signed in as an admin who is also an
agent (every section): by a viewer in Stockholm, by one in London (whose first request builds
London's summaries, timed on its own) and with a language filter. The figure is the server time
of one request: p50 and p95 over the samples. Target: ≤ 300 ms on each database.

PostgreSQL: ``PORTAL_BENCH_DATABASE_URL`` or the local server
``postgresql://postgres@127.0.0.1:5432/postgres``; a throwaway database is created and dropped.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PATH = "/staff/insights?period=90"
# (label, the viewer's time zone, the page requested)
VIEWS = (
    ("", "Europe/Stockholm", PATH),
    ("viewer in London", "Europe/London", PATH),
    ("language filter", "Europe/Stockholm", PATH + "&lang=sv"),
)


def populate(url: str, *, cases: int = CASES, days: int = DAYS, seed: int = 6) -> dict[str, float]:
    """Write the history with ``portal.demo.history`` (Core, in chunks), measure the working
    times and build the daily summary; returns the seconds each step took."""
    from sqlalchemy.orm import Session

    from bench.demo_history import _demo_staff
    from portal.demo.history import generate_history
    from portal.insights.summary import refresh_summary
    from portal.insights.worktime import measure_working_times
    from portal.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    started = time.perf_counter()
    with Session(engine) as session:
        _demo_staff(session)  # the history's answers come from the agents present
        generate_history(session, cases=cases, days=days, seed=seed, end=END)
        session.commit()
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
        # What autovacuum does within minutes of a bulk load: statistics and the visibility
        # map (index-only scans).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"insert": inserted, "measure": measured, "summary": summarised}


Views = dict[str, tuple[float, list[float], list[float]]]


def _timings(env: dict[str, str], samples: int) -> Views:
    """Per view: the first request's time, and the server times and CPU times of this process
    for ``samples`` requests after two warm-up requests, in-process, signed in as admin+agent in
    the view's time zone."""
    from litestar.testing import TestClient

    from portal.app import create_app
    from portal.services import Services
    from portal.settings import Settings
    from portal.staff import accounts, sessions
    from portal.staff.guards import SESSION_COOKIE

    settings = Settings.from_env(env)
    services = Services.build(settings)
    services.clock = lambda: END
    found: Views = {}
    try:
        with TestClient(create_app(settings, services), base_url="http://bench.local") as client:
            for n, (label, zone, path) in enumerate(VIEWS):
                with services.write() as session:
                    user = accounts.create_user(
                        session,
                        f"bench{n}@example.com",
                        "bench password 0123",
                        ["admin", "agent"],
                        "Bench",
                    )
                    accounts.set_own_time_zone(session, user, zone)
                    token = sessions.open_session(session, user, now=END)
                client.cookies.set(SESSION_COOKIE, token, domain="bench.local", path="/staff")
                timings, cpu, first = [], [], 0.0
                for i in range(samples + 2):  # two warm-up requests
                    started, used = time.perf_counter(), time.process_time()
                    response = client.get(path)
                    elapsed = time.perf_counter() - started
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} answered {response.status_code}")
                    if i == 0:
                        first = elapsed
                    if i >= 2:
                        timings.append(elapsed)
                        cpu.append(time.process_time() - used)
                found[label] = (first, timings, cpu)
    finally:
        services.close()
    return found


def _results(name: str, views: Views, setup: dict[str, float]) -> list[Result]:
    found = []
    for label, (first, timings, cpu) in views.items():
        p50, p95 = percentile(timings, 50), percentile(timings, 95)
        notes = [
            f"{len(timings)} requests; first request {ms(first)}; CPU of this process per "
            f"request p50 {ms(percentile(cpu, 50))}, p95 {ms(percentile(cpu, 95))}"
            + (" (PostgreSQL's own CPU not included)" if "PostgreSQL" in name else "")
        ]
        if not label:
            notes.append(
                f"insert {setup['insert']:.0f} s, working times measured in "
                f"{setup['measure']:.0f} s and the daily summary built in "
                f"{setup['summary']:.0f} s (once, not per request)"
            )
        found.append(
            Result(
                f"{name}, {label}" if label else name,
                f"p50 {ms(p50)}, p95 {ms(p95)}",
                "≤ 300 ms",
                verdict(p95 <= TARGET_S),
                notes,
            )
        )
    return found


def _sqlite(work: Path, cases: int, samples: int) -> list[Result]:
    env = portal_env(work, PORTAL_OUTBOX_IN_PROCESS="false")
    url = migrate(env)
    setup = populate(url, cases=cases)
    return _results(f"insights page, {cases:,} cases, SQLite", _timings(env, samples), setup)


def _postgres(work: Path, cases: int, samples: int) -> list[Result]:
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
    return _results(f"insights page, {cases:,} cases, PostgreSQL", timings, setup)


def run(quick: bool = True) -> list[Result]:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    samples = 15 if quick else 50
    results = []
    for label, measure in (("SQLite", _sqlite), ("PostgreSQL", _postgres)):
        with data_dir("svar-bench-insights-") as work:
            try:
                results.extend(measure(work, CASES, samples))
            except Exception as exc:  # a missing server is reported, never a crash
                name = f"insights page, {CASES:,} cases, {label}"
                results.append(skipped(name, f"{type(exc).__name__}: {exc}", "≤ 300 ms"))
    return results


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
