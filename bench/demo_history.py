"""Writing the demo history: the ``portal demo`` step (3,000 cases over six months, target ≤ 10 s)
and a large history for other benchmarks (200,000 cases over a year, target ≤ 60 s; quick mode
writes 20,000 against ≤ 6 s), on SQLite and on PostgreSQL.

Each figure is the wall time of ``generate_history`` plus the commit, with cases, timelines,
searches and suggestion events; the CPU time of this process is noted beside it (the machine is
shared, so wall time includes waiting for a core).

PostgreSQL: ``PORTAL_BENCH_DATABASE_URL`` or the local server
``postgresql://postgres@127.0.0.1:5432/postgres``; a throwaway database is created and dropped.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench._harness import Result, cli, data_dir, migrate, portal_env, skipped, verdict

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEMO = (3_000, 182, 10.0)  # cases, days, target seconds
LARGE = (200_000, 365, 60.0)
QUICK_LARGE = (20_000, 365, 6.0)


@contextmanager
def _sqlite(work: Path) -> Iterator[str]:
    yield migrate(portal_env(work, PORTAL_OUTBOX_IN_PROCESS="false"))


@contextmanager
def _postgres(work: Path) -> Iterator[str]:
    from portal.settings import normalise_database_url

    server = make_url(os.environ.get("PORTAL_BENCH_DATABASE_URL") or PG_DEFAULT)
    admin = create_engine(
        normalise_database_url(server.render_as_string(hide_password=False)),
        isolation_level="AUTOCOMMIT",
    )
    name = f"svar_bench_history_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        migrate(portal_env(work, PORTAL_OUTBOX_IN_PROCESS="false", PORTAL_DATABASE_URL=url))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _demo_staff(session: Session) -> None:
    """Two agents and an admin, as ``portal demo`` creates them (without password hashing)."""
    from portal.staff.models import StaffRole, StaffUser

    for email, name, role in (
        ("agent@example.com", "Aino Agent", "agent"),
        ("admin@example.com", "Alva Admin", "admin"),
    ):
        user = StaffUser(email=email, display_name=name, password_hash="-")  # noqa: S106 (no sign-in)
        session.add(user)
        session.flush()
        session.add(StaffRole(user_id=user.id, role=role))
    session.commit()


def _measure(url: str, label: str, cases: int, days: int, target: float) -> Result:
    from portal.demo.history import generate_history
    from portal.settings import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    try:
        with Session(engine) as session:
            _demo_staff(session)
            wall, cpu = time.perf_counter(), time.process_time()
            written = generate_history(session, cases=cases, days=days, seed=1, end=END)
            session.commit()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        engine.dispose()
    return Result(
        f"demo history, {written:,} cases over {days} days, {label}",
        f"{wall:.1f} s",
        f"≤ {target:g} s",
        verdict(wall <= target),
        [f"CPU {cpu:.1f} s in this process ({written / wall:,.0f} cases/s wall)"],
    )


def run(quick: bool = True) -> list[Result]:
    results = []
    for size in (DEMO, QUICK_LARGE if quick else LARGE):
        for label, database in (("SQLite", _sqlite), ("PostgreSQL", _postgres)):
            cases, days, target = size
            with data_dir("svar-bench-history-") as work:
                try:
                    with database(work) as url:
                        results.append(_measure(url, label, cases, days, target))
                except Exception as exc:  # a missing server is reported, never a crash
                    name = f"demo history, {cases:,} cases, {label}"
                    results.append(skipped(name, f"{type(exc).__name__}: {exc}", f"≤ {target:g} s"))
    return results


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
