"""The promise-keeping scheduler: one round over a busy help desk.

A round runs every minute in every worker, so its cost when nothing is due (the usual minute) must
stay far below the interval; a round with work writes one transaction per job. SQLite, a history
of 20,000 cases (quick: 5,000): 2 % unanswered with promises spread over the coming week, 5 %
resolved in the last two months without an answer to "Is your problem solved?", 1 % waiting on the
customer. The busy round is the first one at 11:45 on a Tuesday after a long stop: every due
warning, late update, check-in, reminder and closing at once. The quiet rounds follow a minute
apart, with little or nothing due (the usual minute).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench._harness import BENCH_SECRET, Result, verdict

TARGET_QUIET_MS = 500.0
NOW = datetime(2026, 11, 24, 10, 45, tzinfo=UTC)  # Tuesday 11:45 in Stockholm


def _rows(cases: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Cases, and the public event each resolved or waiting case's email refers to."""
    rows: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for n in range(cases):
        created = NOW - timedelta(minutes=17 * n + 30)
        row: dict[str, object] = {
            "id": n + 1,
            "reference": f"K{n:07d}",
            "status": "closed",
            "lang": ("sv", "nb", "en")[n % 3],
            "email": f"customer{n}@example.com",
            "category": "product",
            "description": "x",
            "created_at": created,
            "updated_at": created,
            "promised_at": created + timedelta(hours=20),
            "first_response_at": created + timedelta(hours=3),
        }
        kind = n % 100
        if kind < 2:  # unanswered, promised over the coming week
            row.update(
                status="open",
                first_response_at=None,
                promised_at=NOW + timedelta(minutes=7 * (n % 1440)),
            )
        elif kind < 7:  # resolved lately, the question not answered
            resolved = NOW - timedelta(hours=n % 1400)
            row.update(status="resolved", resolved_at=resolved)
            events.append(_event(n + 1, resolved, "resolved", "resolved"))
        elif kind == 7:  # waiting on the customer
            since = NOW - timedelta(hours=n % 600)
            row.update(status="waiting", paused_at=since)
            events.append(_event(n + 1, since, "status_changed", "waiting"))
        rows.append(row)
    return rows, events


def _event(case_id: int, at: datetime, kind: str, to: str) -> dict[str, object]:
    return {
        "case_id": case_id,
        "created_at": at,
        "kind": kind,
        "public": True,
        "data": {"from": "open", "to": to},
    }


def run(quick: bool) -> list[Result]:
    from portal.cases.models import Case, CaseEvent
    from portal.db.models import all_metadata
    from portal.services import Services
    from portal.settings import Settings
    from portal.sla.schedule import run_round

    cases = 5_000 if quick else 20_000
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            data_dir=Path(folder),
            secret_key=BENCH_SECRET,
            smtp_url="smtp://127.0.0.1:9",
            outbox_in_process=False,
        )
        services = Services.build(settings)
        for metadata in all_metadata():
            metadata.create_all(services.engine)
        rows, events = _rows(cases)
        with services.write() as session:
            session.execute(insert(Case), rows)
            session.execute(insert(CaseEvent), events)
        # Warm the calendars and caches a year earlier, when nothing is due; then the first
        # round at NOW finds everything due at once (a worker started after a long stop).
        run_round(services, NOW - timedelta(days=400))
        started = time.perf_counter()
        busy = run_round(services, NOW)
        busy_ms = (time.perf_counter() - started) * 1000
        quiet_ms = []
        for minute in range(1, 6):
            started = time.perf_counter()
            run_round(services, NOW + timedelta(minutes=minute, seconds=30))
            quiet_ms.append((time.perf_counter() - started) * 1000)
        services.close()
    quiet = sorted(quiet_ms)[len(quiet_ms) // 2]
    jobs = sum(busy.values())
    return [
        Result(
            "keeping: quiet round",
            f"{quiet:.0f} ms",
            f"≤ {TARGET_QUIET_MS:.0f} ms",
            verdict(quiet <= TARGET_QUIET_MS),
            [f"SQLite, {cases:,} cases; median of 5 rounds a minute apart (little or nothing due)"],
        ),
        Result(
            "keeping: busy round",
            f"{busy_ms:.0f} ms",
            "",
            "info",
            [f"{jobs} jobs ({dict(busy)}), one transaction and email each"],
        ),
    ]


if __name__ == "__main__":
    from bench._harness import cli

    cli(run, __doc__.splitlines()[0])
