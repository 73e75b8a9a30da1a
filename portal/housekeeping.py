"""Periodic clean-up that runs beside the outbox worker: files staged by complaint forms that
were never sent are deleted after a day, so abandoned uploads cannot fill the disk."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from portal.cases.attachments import purge_abandoned_uploads
from portal.services import Services

log = logging.getLogger(__name__)

STAGED_UPLOAD_MAX_AGE = 24 * 3600.0
INTERVAL = 3600.0


def run_housekeeping(services: Services) -> int:
    """One round of clean-up; returns the number of files removed."""
    with services.write() as session:
        return purge_abandoned_uploads(session, services.settings.data_dir, STAGED_UPLOAD_MAX_AGE)


class Housekeeping:
    """Runs ``run_housekeeping`` at start and then every ``interval`` seconds until stopped."""

    def __init__(self, services: Services, interval: float = INTERVAL) -> None:
        self.services = services
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="svar-housekeeping")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                removed = await self.services.run(run_housekeeping, self.services)
                if removed:
                    log.info("removed %d abandoned uploads", removed)
            except Exception:  # a failed round is retried at the next interval
                log.exception("housekeeping round failed")
            await asyncio.sleep(self.interval)
