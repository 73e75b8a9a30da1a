"""Submit → acknowledgement accepted by an SMTP server: how long a customer waits for the email.

An aiosmtpd server runs in this process on a free port; the portal (one uvicorn process,
``PORTAL_SMTP_URL`` pointing at it) receives distinct complaints at a steady, moderate rate (open
loop: a new one every 1/rate seconds whatever the server does). Each complaint has its own
recipient, so every accepted message maps back to its submission; the latency runs from the moment
the request was written to the socket until the SMTP server has the whole message (end of DATA),
both read from one clock. Measured twice: with the outbox worker in the server (the default, woken
by each complaint) and with ``portal worker`` as a process of its own (as the README suggests for
production), which has to find new mail by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path

from bench._complaints import fetch_form, submission_bodies
from bench._harness import (
    Result,
    Server,
    WorkerProcess,
    cli,
    data_dir,
    machine_note,
    migrate,
    ms,
    percentile,
    portal_env,
    skipped,
    verdict,
)
from bench._loadgen import build_requests, run_open_loop
from bench._mailbox import Mailbox

TARGET_P95 = 1.0
NAME = "submit → ack accepted by SMTP p95"
NAME_APART = "submit → ack p95, `portal worker` apart"


def _measure(work: Path, count: int, rate: float, *, worker_apart: bool = False) -> Result:
    machine = machine_note()
    name = NAME_APART if worker_apart else NAME
    work.mkdir()
    with Mailbox() as mailbox:
        env = portal_env(
            work,
            PORTAL_SMTP_URL=mailbox.url,
            PORTAL_OUTBOX_IN_PROCESS="false" if worker_apart else "true",
        )
        migrate(env)
        worker = (
            WorkerProcess(env, work / "worker.log") if worker_apart else contextlib.nullcontext()
        )
        with (
            Server("portal.app:create_app", env, log_file=work / "server.log") as server,
            worker,
        ):
            form = fetch_form(server.port)
            email = "ack{i}@example.net"
            bodies = submission_bodies(form, count, tag="ack", email=email)
            requests = build_requests(
                "POST", form.action, f"127.0.0.1:{server.port}", form.headers, bodies
            )
            stats = asyncio.run(run_open_loop("127.0.0.1", server.port, requests, rate=rate))
            accepted = stats.statuses[303]
            deadline = time.monotonic() + 60
            while mailbox.count() < accepted and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.5)  # a late duplicate would show up here

    latencies, missing, duplicates = [], 0, 0
    for outcome in stats.outcomes:
        if outcome.status != 303:
            continue
        times = mailbox.accepted.get(email.format(i=outcome.index))
        if not times:
            missing += 1
            continue
        duplicates += len(times) - 1
        latencies.append(times[0] - outcome.sent)
    if not latencies:
        return skipped(name, f"no acknowledgement arrived ({dict(stats.statuses)})", "≤ 1 s")
    p95 = percentile(latencies, 95)
    http = [o.done - o.sent for o in stats.outcomes]
    return Result(
        name,
        ms(p95),
        "≤ 1 s",
        verdict(p95 <= TARGET_P95 and not missing),
        [
            f"machine: {machine}",
            ("`portal worker` in a process of its own" if worker_apart else "in-process worker")
            + f"; {count} complaints at {rate:.0f}/s (open loop), answers {dict(stats.statuses)}"
            + (f", client errors {dict(stats.errors)}" if stats.errors else "")
            + ": "
            f"acknowledgement p50 {ms(percentile(latencies, 50))}, p95 {ms(p95)}, "
            f"max {ms(max(latencies))}; {missing} missing after 60 s, {duplicates} duplicates",
            f"the 303 itself: p50 {ms(percentile(http, 50))}, p95 {ms(percentile(http, 95))}",
        ],
    )


def run(quick: bool = True) -> list[Result]:
    count, rate = (200, 20.0) if quick else (1000, 20.0)
    with data_dir() as work:
        try:
            return [
                _measure(work / "in-process", count, rate),
                _measure(work / "apart", count, rate, worker_apart=True),
            ]
        except Exception as exc:  # the intake may not exist yet: report, don't crash
            return [skipped(NAME, f"{type(exc).__name__}: {exc}", "≤ 1 s")]


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
