"""Durable complaint submissions per second through the full HTTP path, on SQLite, one process.

The portal runs as it would be deployed: one uvicorn process serving ``portal.app:create_app``
with settings from the environment (a fresh data folder, SQLite in WAL mode, the in-process outbox
worker delivering over SMTP to an aiosmtpd server in this process, as production delivers to its
mail relay), rate limits scaled out of the way. A separate client
process (``bench._loadgen``) keeps a fixed number of keep-alive connections busy, each request a
distinct valid complaint (own submission id, signed form token, CSRF cookie and field). It stops
sending at the deadline and waits for every answer, so the cases committed during the run must
equal the 303 responses exactly — that is what "durable" means here.

The same server, client and request bodies then measure ``bench.bare_app`` (one SQLite insert per
request, committed to disk before the 303) as a yardstick, and the ratio between the two is
printed: against the bare endpoint with SQLite as it comes (the issue's yardstick), and, as a
stricter figure, against the same endpoint with the portal's own SQLite set-up. Every complaint
is committed to disk before its 303 too (``synchronous=FULL``, shared among the complaints that
wait together by the portal's group commit), so "durable" survives a power cut, not only a crash.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench._complaints import fetch_form, submission_bodies
from bench._harness import (
    INFO,
    MISSED,
    ROOT,
    Result,
    Server,
    WorkerProcess,
    cli,
    cpu_seconds,
    data_dir,
    machine_note,
    migrate,
    ms,
    percentile,
    portal_env,
    server_stack,
    skipped,
    verdict,
)
from bench._loadgen import write_bodies
from bench._mailbox import Mailbox

TARGET_RATE = 300.0
TARGET_RATIO = 2.5
CONNECTIONS = 8
MAX_RATE = 2500  # bodies prepared per second of run: more than either server can take here
NAME_RATE = "intake throughput (SQLite)"
NAME_RATE_APART = "intake, `portal worker` apart"
NAME_RATE_PINNED = "intake, in-process, server on one core"
NAME_RATIO_PINNED = "bare / intake, server on one core"
NAME_BARE = "bare insert endpoint"
NAME_BARE_TUNED = "bare insert, portal's SQLite set-up"
NAME_RATIO = "bare / intake ratio"
NAME_RATIO_APART = "bare / intake, worker apart"
NAME_DURABLE = "cases committed == 303s"


def _count(db: Path, table: str, where: str = "") -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0])  # noqa: S608


def _load(
    server: Server,
    path: str,
    headers: list[tuple[str, str]],
    bodies: list[bytes],
    duration: float,
    workdir: Path,
) -> dict[str, Any]:
    """Run the client process against ``server``; adds the server's CPU use to its summary."""
    bodies_file = workdir / f"bodies-{time.monotonic_ns()}"
    write_bodies(str(bodies_file), bodies)
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "method": "POST",
        "path": path,
        "headers": headers,
        "bodies_file": str(bodies_file),
        "connections": CONNECTIONS,
        "duration": duration,
    }
    cpu_before, wall_before = cpu_seconds(server.pid), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench._loadgen"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    wall = time.perf_counter() - wall_before
    summary: dict[str, Any] = json.loads(done.stdout)
    summary["server_cpu_seconds"] = cpu_seconds(server.pid) - cpu_before
    summary["server_cpu"] = summary["server_cpu_seconds"] / wall
    summary["client_cpu_share"] = summary["client_cpu"] / max(summary["elapsed"], 1e-9)
    summary["statuses"] = Counter({int(k): v for k, v in summary["statuses"].items()})
    summary["rate"] = summary["statuses"][303] / max(summary["elapsed"], 1e-9)
    bodies_file.unlink()
    return summary


def _describe(summary: dict[str, Any]) -> str:
    lat = summary["latencies"]
    per_request = summary["server_cpu_seconds"] / max(1, sum(summary["statuses"].values()))
    statuses = ", ".join(f"{n}×{s}" for s, n in sorted(summary["statuses"].items()))
    errors = f", client errors {summary['errors']}" if summary["errors"] else ""
    return (
        f"{sum(summary['statuses'].values())} requests in {summary['elapsed']:.1f} s "
        f"({statuses}{errors}); latency p50 {ms(percentile(lat, 50))}, "
        f"p95 {ms(percentile(lat, 95))}, p99 {ms(percentile(lat, 99))}; "
        f"server CPU {summary['server_cpu']:.0%} of one core "
        f"({per_request * 1000:.2f} ms per request), "
        f"client CPU {summary['client_cpu_share']:.0%} of one core"
    )


def measure_bare(
    work: Path,
    headers: list[tuple[str, str]],
    bodies: list[bytes],
    warm: int,
    duration: float,
    sqlite: str = "defaults",
) -> tuple[dict[str, Any], int]:
    """``bench.bare_app`` with SQLite as it comes (``defaults``) or set up as the portal's."""
    db = work / f"bare-{sqlite}.sqlite3"
    env = {**portal_env(work), "BENCH_BARE_DB": str(db), "BENCH_BARE_SQLITE": sqlite}
    with Server("bench.bare_app:create_app", env) as server:
        _load(server, "/submit", headers, bodies[:warm], duration / 4, work)
        before = _count(db, "submissions")
        summary = _load(server, "/submit", headers, bodies[warm:], duration, work)
        rows = _count(db, "submissions") - before
    return summary, rows


def measure_portal(
    work: Path,
    warm_seconds: float,
    duration: float,
    *,
    worker_apart: bool = False,
    cpus: set[int] | None = None,
) -> dict[str, Any]:
    """One run against the portal; with ``worker_apart`` the outbox is a separate process.

    ``cpus``: the cores the server process may use (``taskset``), e.g. ``{0}`` for one.
    """
    mailbox = Mailbox()
    env = portal_env(
        work,
        PORTAL_OUTBOX_IN_PROCESS="false" if worker_apart else "true",
        PORTAL_SMTP_URL=mailbox.url,
    )
    migrate(env)
    db = work / "svar.sqlite3"
    worker = WorkerProcess(env, work / "worker.log") if worker_apart else contextlib.nullcontext()
    with (
        mailbox,
        Server("portal.app:create_app", env, log_file=work / "server.log", cpus=cpus) as server,
        worker as worker_process,
    ):
        form = fetch_form(server.port)
        warm = submission_bodies(form, int(MAX_RATE * warm_seconds), tag="warm")
        bodies = submission_bodies(form, int(MAX_RATE * duration), tag="run")
        first = _load(server, form.action, form.headers, warm[:1], 5, work)
        if first["statuses"][303] != 1:
            raise RuntimeError(
                f"a valid complaint was answered {dict(first['statuses'])}, not 303; "
                f"see {work / 'server.log'}"
            )
        _load(server, form.action, form.headers, warm[1:], warm_seconds, work)
        # The warm-up's acknowledgements leave first, so the run's figures hold its own work.
        summary_warm_drain = _drain(db)
        before = _count(db, "cases")
        mail_before, connections_before = mailbox.count(), mailbox.connections
        worker_cpu = cpu_seconds(worker_process.pid) if worker_apart else 0.0
        server_cpu = cpu_seconds(server.pid)
        summary = _load(server, form.action, form.headers, bodies, duration, work)
        summary["cases"] = _count(db, "cases") - before
        summary["warm_drain_seconds"] = summary_warm_drain
        if worker_apart:
            summary["worker_cpu_seconds"] = cpu_seconds(worker_process.pid) - worker_cpu
        summary["exhausted"] = sum(summary["statuses"].values()) >= len(bodies)
        # Does the worker keep up? Time until every acknowledgement has left.
        summary["pending_at_end"] = _count(db, "outbox", "WHERE status = 'pending'")
        drain_start = time.perf_counter()
        _drain(db)
        summary["drain_seconds"] = time.perf_counter() - drain_start
        summary["pending_after_drain"] = _count(db, "outbox", "WHERE status = 'pending'")
        # Everything the run cost, its acknowledgements included, from its start until the
        # last of them left: server (and worker process) CPU per complaint.
        summary["all_cpu_seconds"] = (
            cpu_seconds(server.pid)
            - server_cpu
            + (cpu_seconds(worker_process.pid) - worker_cpu if worker_apart else 0.0)
        )
        summary["outbox_rows"] = _count(db, "outbox")
        summary["mail_received"] = mailbox.count() - mail_before
        summary["smtp_connections"] = mailbox.connections - connections_before
        summary["headers"], summary["bodies"] = form.headers, bodies
    return summary


def _drain(db: Path, limit: float = 120) -> float:
    """Wait until no acknowledgement is pending (at most ``limit`` seconds); returns the wait."""
    start = time.perf_counter()
    while _count(db, "outbox", "WHERE status = 'pending'"):
        if time.perf_counter() - start > limit:
            break
        time.sleep(0.1)
    return time.perf_counter() - start


def _outbox_note(summary: dict[str, Any], who: str) -> str:
    return (
        f"outbox ({who}): {summary['outbox_rows']} acknowledgements queued in total, "
        f"{summary['pending_at_end']} still pending when the load stopped, "
        + (
            f"all accepted by the SMTP server {summary['drain_seconds']:.1f} s later"
            if not summary["pending_after_drain"]
            else f"{summary['pending_after_drain']} still pending after 120 s"
        )
        + f"; the SMTP server received {summary['mail_received']} messages for the run's "
        f"{summary['cases']} complaints, with {summary['smtp_connections']} SMTP connections "
        "opened during the run"
    )


def run(quick: bool = True) -> list[Result]:
    machine = machine_note()
    duration = 10.0 if quick else 30.0
    warm_seconds = 2.0 if quick else 5.0
    with data_dir() as work:
        try:
            portal = measure_portal(work / "portal", warm_seconds, duration)
            apart = measure_portal(work / "apart", warm_seconds, duration, worker_apart=True)
            pinned = measure_portal(work / "pinned", warm_seconds, duration, cpus={0})
        except Exception as exc:  # the intake may not exist yet, or refuse: report, don't crash
            reason = f"{type(exc).__name__}: {exc}"
            return [
                skipped(NAME_RATE, reason, "≥ 300/s"),
                skipped(NAME_RATIO, reason, f"≤ {TARGET_RATIO}×"),
            ]
        (work / "bare").mkdir()
        warm = int(MAX_RATE * warm_seconds / 4)
        bodies = portal["bodies"][: warm + int(MAX_RATE * duration)]
        bare, rows = measure_bare(work / "bare", portal["headers"], bodies, warm, duration)
        tuned, tuned_rows = measure_bare(
            work / "bare", portal["headers"], bodies, warm, duration, sqlite="portal"
        )

    bare_rate, tuned_rate = bare["rate"], tuned["rate"]
    bare_each = bare["server_cpu_seconds"] / max(1, bare["statuses"][303])
    tuned_each = tuned["server_cpu_seconds"] / max(1, tuned["statuses"][303])
    results: list[Result] = []
    for name, ratio_name, summary, who in (
        (NAME_RATE, NAME_RATIO, portal, "in-process worker"),
        (NAME_RATE_APART, NAME_RATIO_APART, apart, "`portal worker` process"),
        (NAME_RATE_PINNED, NAME_RATIO_PINNED, pinned, "in-process worker, server on core 0"),
    ):
        rate, n303 = summary["rate"], summary["statuses"][303]
        cpu_each = summary["server_cpu_seconds"] / max(1, n303)
        notes = [
            f"machine: {machine}",
            f"one uvicorn process ({who}; {server_stack()}), {CONNECTIONS} keep-alive connections, "
            f"{duration:.0f} s after {warm_seconds:.0f} s warm-up: {_describe(summary)}",
            _outbox_note(summary, who),
        ]
        if "worker_cpu_seconds" in summary:
            notes.append(
                f"CPU cost, which other work on the machine disturbs less than wall time: "
                f"{cpu_each * 1000:.2f} ms of server CPU per complaint "
                f"(≈ {1 / cpu_each:.0f}/s if the server had a core to itself), "
                f"{bare_each * 1000:.2f} ms per bare insert (CPU ratio "
                f"{cpu_each / bare_each:.1f}×), {tuned_each * 1000:.2f} ms with the portal's "
                f"SQLite set-up ({cpu_each / tuned_each:.1f}×); the worker process used "
                f"{summary['worker_cpu_seconds']:.1f} s of CPU during the run"
            )
        else:
            notes.append(
                f"CPU cost, which other work on the machine disturbs less than wall time: "
                f"{cpu_each * 1000:.2f} ms of server CPU per complaint (with as much "
                f"acknowledgement sending as the worker did meanwhile) "
                f"(≈ {1 / cpu_each:.0f}/s if the process had a core to itself), "
                f"{bare_each * 1000:.2f} ms per bare insert "
                f"(CPU ratio {cpu_each / bare_each:.1f}×), "
                f"{tuned_each * 1000:.2f} ms with the portal's SQLite set-up "
                f"({cpu_each / tuned_each:.1f}×)"
            )
        notes.append(
            f"all-inclusive: {summary['all_cpu_seconds'] / max(1, n303) * 1000:.2f} ms of CPU "
            f"per complaint with its acknowledgement ({who}; from the run's start until its "
            f"last acknowledgement left, {summary['cases']} complaints and as many "
            "acknowledgements; the warm-up's had left before it started)"
        )
        if summary["exhausted"]:
            notes.append("the prepared submissions ran out before the deadline; raise MAX_RATE")
        results += [
            Result(name, f"{rate:.0f}/s", "≥ 300/s", verdict(rate >= TARGET_RATE), notes),
            Result(
                f"{NAME_DURABLE} ({who})",
                f"{summary['cases']} / {n303}",
                "equal",
                verdict(summary["cases"] == n303),
                [
                    "cases counted in the database before and after the run, read-only, while "
                    "the server was still up"
                ],
            ),
            Result(
                ratio_name,
                f"{bare_rate / rate:.2f}×" if rate else "∞",
                f"≤ {TARGET_RATIO}×",
                verdict(bool(rate) and bare_rate / rate <= TARGET_RATIO),
                [
                    f"against the bare insert with SQLite as it comes; against the bare insert "
                    f"with the portal's own SQLite set-up ({tuned_rate:.0f}/s): "
                    + (f"{tuned_rate / rate:.2f}×" if rate else "∞")
                ],
            ),
        ]
    results[3:3] = [
        Result(
            NAME_BARE,
            f"{bare_rate:.0f}/s",
            "yardstick",
            INFO if rows == bare["statuses"][303] else MISSED,
            [
                "SQLite as it comes (rollback journal, synchronous=FULL): the issue measured "
                "600–800/s here",
                f"same server flags, client and request bodies: {_describe(bare)}; "
                f"rows committed {rows} for {bare['statuses'][303]} 303s",
            ],
        ),
        Result(
            NAME_BARE_TUNED,
            f"{tuned_rate:.0f}/s",
            "info",
            INFO if tuned_rows == tuned["statuses"][303] else MISSED,
            [
                "the portal's own SQLite set-up (WAL, synchronous=FULL, BEGIN IMMEDIATE), one "
                f"commit per request: {_describe(tuned)}; rows committed {tuned_rows} for "
                f"{tuned['statuses'][303]} 303s",
            ],
        ),
    ]
    return results


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
