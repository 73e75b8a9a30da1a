"""The scheduler that keeps promises: every minute or so it finds due work and does each job in
its own transaction (``sla.keeping``: warnings and late updates; ``sla.follow_ups``: check-ins,
reminders and closings; ``sla.jobs``: how each is done exactly once).

It runs beside the outbox worker, in ``portal worker`` and in the server when
``Settings.outbox_in_process`` is set. Any number may run against one database: a job records
that it was done in the transaction that queues its email, so two schedulers, or one restarted
half-way, never send anything twice. Tests call ``run_round`` with a fixed ``now``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError

from portal.services import Services
from portal.sla import follow_ups, keeping
from portal.sla.jobs import DueWork, Job

JOBS: dict[str, Job] = {**keeping.JOBS, **follow_ups.JOBS}

log = logging.getLogger(__name__)


def find_due_work(services: Services, now: datetime) -> list[DueWork]:
    """Every job due at ``now``: warnings before late updates, then the follow-ups."""
    settings = services.settings
    with services.read() as session:
        return [
            *keeping.find_promise_work(session, settings, now),
            *follow_ups.find_follow_up_work(session, settings, now),
        ]


def run_round(services: Services, now: datetime | None = None) -> Counter[str]:
    """Do every job due at ``now`` (default: ``services.clock()``); returns how many of each
    were done by this round (work another scheduler did first is not counted)."""
    now = now or services.clock()
    settings = services.settings
    done: Counter[str] = Counter()
    for work in find_due_work(services, now):
        try:
            with services.write() as session:
                if JOBS[work.job](session, work.case_id, settings, now):
                    done[work.job] += 1
        except (IntegrityError, OperationalError) as exc:
            # Another scheduler did this job at the same moment (the unique key), or held the
            # database too long: nothing was written, and the next round looks again.
            log.info("%s for case %s not done here: %s", work.job, work.case_id, exc.orig)
        except Exception:  # one broken case must not stop the others
            log.exception("%s for case %s failed", work.job, work.case_id)
    if done:
        services.outbox_changed()
    return done


class PromiseKeeper:
    """Runs ``run_round`` at start and then every ``interval`` seconds until stopped."""

    def __init__(self, services: Services, interval: float | None = None) -> None:
        self.services = services
        self.interval = interval or services.settings.keeping_interval_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="svar-promise-keeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                done = await self.services.run(run_round, self.services)
                if done:
                    log.info("kept promises: %s", dict(done))
            except Exception:  # the database is unreachable, say: try again next time
                log.exception("promise keeping round failed")
            await asyncio.sleep(self.interval)
