"""The outbox worker: claims due rows, renders them, hands them over, records the outcome.

It runs inside the server (``Settings.outbox_in_process``) or as ``portal worker`` processes; any
number may run against one database. A row is marked sent only after the transport accepted it.
If a worker dies between the server's acceptance and that mark, the row is sent again when its
lease runs out — the one duplicate an outbox cannot rule out, and it keeps its ``Message-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import datetime, timedelta
from email.message import EmailMessage

from portal.db.base import utcnow
from portal.mail import outbox
from portal.mail.kinds import MissingMailData
from portal.mail.models import OutboxMessage
from portal.mail.render import render_message
from portal.mail.transport import DeliveryError, Transport, make_transport
from portal.services import Services

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds a stopping worker may spend finishing its batch


class OutboxWorker:
    """Delivers queued mail; ``start``/``stop`` for a background task, ``drain`` for tests."""

    def __init__(
        self,
        services: Services,
        transport: Transport | None = None,
        *,
        batch_size: int = 10,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = 2.0,
    ) -> None:
        self.services = services
        self.transport = transport or make_transport(services.settings)
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._stopping = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Run the delivery loop in the background and listen for ``outbox_changed``."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._stopping = False
        self.services.outbox_listeners.append(self.wake)
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        """Finish the batch in hand (for up to ``STOP_GRACE`` seconds), then stop."""
        if self.wake in self.services.outbox_listeners:
            self.services.outbox_listeners.remove(self.wake)
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self.wake()
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def wake(self) -> None:
        """Start delivering now; safe to call from any thread."""
        loop, event = self._loop, self._wakeup
        if loop is None or event is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(event.set)

    async def _run(self) -> None:
        assert self._wakeup is not None
        failures = 0
        while not self._stopping:
            self._wakeup.clear()
            try:
                handled = await self.run_once()
                failures = 0
            except Exception:  # the database is unreachable, say: keep the loop alive
                failures += 1
                log.exception("outbox worker: delivery round failed")
                handled = 0
            if handled >= self.batch_size:
                continue  # more may be waiting
            delay = await self._idle_delay(failures)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), delay)

    async def _idle_delay(self, failures: int) -> float:
        if failures:
            return min(30.0, 2.0**failures)
        try:
            due = await self.services.run(self._next_due)
        except Exception:
            return self.poll_interval
        if due is None:
            return self.poll_interval
        seconds = (due - utcnow()).total_seconds()
        return max(0.1, min(self.poll_interval, seconds))

    def _next_due(self) -> datetime | None:
        with self.services.read() as session:
            return outbox.next_due(session)

    # -- one round ---------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim one batch of due messages and try each once; returns how many were tried."""
        ids = await self.services.run(self._claim, now or utcnow())
        if ids:
            await asyncio.gather(*(self._deliver(i) for i in ids))
        return len(ids)

    async def drain(self, max_rounds: int = 100) -> int:
        """Deliver everything that is due now (retries wait for their time); for tests and CLI."""
        total = 0
        for _ in range(max_rounds):
            handled = await self.run_once()
            total += handled
            if handled == 0:
                break
        return total

    def _claim(self, now: datetime) -> list[int]:
        with self.services.write() as session:
            return outbox.claim_due(session, now=now, limit=self.batch_size, lease=self.lease)

    async def _deliver(self, message_id: int) -> None:
        try:
            prepared = await self.services.run(self._render, message_id)
        except MissingMailData as exc:
            log.warning("outbox %s: nothing to send: %s", message_id, exc)
            await self.services.run(self._give_up, message_id, str(exc))
            return
        except Exception as exc:  # a template or data bug: keep the row and retry later
            log.exception("outbox %s: could not render", message_id)
            await self.services.run(self._failed, message_id, f"render: {exc}", False, "")
            return
        if prepared is None:
            return
        message, sender, recipient = prepared
        subject = str(message["Subject"])
        try:
            await self.transport.send(message, sender=sender, recipients=[recipient])
        except DeliveryError as exc:
            status = await self.services.run(
                self._failed, message_id, str(exc), exc.permanent, subject
            )
            log.warning("outbox %s: not delivered (%s): %s", message_id, status, exc)
            return
        except Exception as exc:  # an unexpected transport bug: never count it as sent
            log.exception("outbox %s: transport error", message_id)
            await self.services.run(self._failed, message_id, repr(exc), False, subject)
            return
        await self.services.run(self._sent, message_id, subject)

    def _render(self, message_id: int) -> tuple[EmailMessage, str, str] | None:
        settings = self.services.settings
        with self.services.read() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None or row.status != outbox.PENDING:
                return None
            message = render_message(session, row, settings)
            return message, outbox.sender_address(settings), row.recipient

    def _sent(self, message_id: int, subject: str) -> None:
        with self.services.write() as session:
            outbox.record_sent(session, message_id, subject=subject, now=utcnow())

    def _failed(self, message_id: int, error: str, permanent: bool, subject: str) -> str:
        with self.services.write() as session:
            return outbox.record_failure(
                session, message_id, error=error, permanent=permanent, now=utcnow(), subject=subject
            )

    def _give_up(self, message_id: int, error: str) -> None:
        with self.services.write() as session:
            outbox.give_up(session, message_id, error=error, now=utcnow())


async def run_worker(services: Services) -> None:
    """``portal worker``: deliver until SIGINT or SIGTERM, then finish the batch in hand."""
    from portal.housekeeping import Housekeeping
    from portal.sla.schedule import PromiseKeeper

    worker = OutboxWorker(services)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    housekeeping = Housekeeping(services)
    keeper = PromiseKeeper(services)
    await worker.start()
    await housekeeping.start()
    await keeper.start()
    log.info("outbox worker started (%s)", type(worker.transport).__name__)
    try:
        await stopped.wait()
    finally:
        await keeper.stop()
        await housekeeping.stop()
        await worker.stop()
        log.info("outbox worker stopped")
