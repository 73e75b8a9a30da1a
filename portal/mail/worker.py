"""The outbox worker: claims due rows, renders them, hands them over, records the outcome.

It runs inside the server (``Settings.outbox_in_process``) or as ``portal worker`` processes; any
number may run against one database. A row is marked sent only after the transport accepted it.
If a worker dies between the server's acceptance and that mark, the row is sent again when its
lease runs out — the one duplicate an outbox cannot rule out, and it keeps its ``Message-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.cases.models import Case, CaseAccess
from portal.db.base import utcnow
from portal.db.changes import WriteWatch
from portal.db.checkpoint import checkpointing
from portal.mail import outbox
from portal.mail.kinds import MissingMailData
from portal.mail.models import OutboxMessage
from portal.mail.render import RenderedMail, render_message
from portal.mail.transport import MAX_CONNECTIONS, DeliveryError, Transport, make_transport
from portal.services import Services

log = logging.getLogger(__name__)
STOP_GRACE = 10.0  # seconds a stopping worker may spend finishing its batch
# A batch of up to 50 costs three transactions; a backlog (a burst of complaints) therefore goes
# out at about two thirds of the CPU per message that batches of ten took. At most ten of a
# batch's messages are handed to the transport at once: as many as the SMTP transport keeps
# connections open, so none waits for a connection.
BATCH_SIZE = 50
SENDING_AT_ONCE = MAX_CONNECTIONS
# How often an idle worker looks for due mail. The server wakes its own worker with each
# complaint; ``portal worker`` in a process of its own hears of none, so it looks four times a
# second and an acknowledgement still leaves within a second. A look is a read, and only once
# someone has written (``_wait_for_mail``).
POLL_SECONDS = 2.0
APART_POLL_SECONDS = 0.25
# However quiet the watch, an idle worker reads at least this often: a row that came some other
# way than ``outbox.enqueue`` (by hand, say) is still delivered.
LOOK_ANYWAY_SECONDS = 10.0


class OutboxWorker:
    """Delivers queued mail; ``start``/``stop`` for a background task, ``drain`` for tests."""

    def __init__(
        self,
        services: Services,
        transport: Transport | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        lease: timedelta = timedelta(minutes=5),
        poll_interval: float = POLL_SECONDS,
    ) -> None:
        self.services = services
        self.transport = transport or make_transport(services.settings)
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
        self._writes = WriteWatch(services.engine, outbox.CHANNEL)
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
        """Finish the batch in hand (for up to ``STOP_GRACE`` seconds), then stop.

        The transport's kept connections are closed last, so the mail server is told goodbye.
        """
        if self.wake in self.services.outbox_listeners:
            self.services.outbox_listeners.remove(self.wake)
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            self.wake()
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.transport.aclose()
        self._writes.close()

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
            await self._wait_for_mail(failures)

    async def _wait_for_mail(self, failures: int) -> None:
        """Return when there may be mail to deliver: woken, or a row has fallen due.

        While idle, the worker looks every ``poll_interval``: with a read rather than a claim (a
        write transaction), and only once ``WriteWatch`` says something was written, or
        ``LOOK_ANYWAY_SECONDS`` have passed.
        Right after a round it waits at least 0.1 s, so a row it could not claim cannot keep it
        spinning.
        """
        if failures:  # the database or the server failed: back off before the next round
            await self._sleep(min(30.0, 2.0**failures))
            return
        just_ran, look, due, looked = True, True, None, 0.0
        while not self._stopping:
            if look or time.monotonic() - looked >= LOOK_ANYWAY_SECONDS:
                try:
                    due = await self.services.run(self._next_due)
                except Exception:
                    return  # the round will meet the same error, and count it
                looked = time.monotonic()
            seconds = None if due is None else (due - utcnow()).total_seconds()
            if seconds is not None and seconds <= 0 and not just_ran:
                return
            delay = self.poll_interval if seconds is None else min(self.poll_interval, seconds)
            if await self._sleep(max(0.1, delay)):
                return
            if seconds is not None and seconds <= delay:
                return
            just_ran = False
            look = self._writes.changed()  # no one wrote: what was due is still all that is

    async def _sleep(self, seconds: float) -> bool:
        """Sleep for ``seconds`` or until woken; returns whether it was woken."""
        assert self._wakeup is not None
        try:
            await asyncio.wait_for(self._wakeup.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _next_due(self) -> datetime | None:
        with self.services.read() as session:
            return outbox.next_due(session)

    # -- one round ---------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim one batch of due messages and try each once; returns how many were tried.

        A batch costs three transactions whatever its size: claim, render (one read), and
        record every outcome (one write). Sending runs concurrently in between.
        """
        ids = await self.services.run_write(self._claim, now or utcnow())
        if not ids:
            return 0
        rendered = await self.services.run(self._render_batch, ids)
        sending = asyncio.Semaphore(SENDING_AT_ONCE)
        outcomes = await asyncio.gather(*(self._send(item, sending) for item in rendered))
        done = [outcome for outcome in outcomes if outcome is not None]
        if done:
            failed = await self.services.run_write(self._record, done)
            for message_id, status, error in failed:
                log.warning("outbox %s: not delivered (%s): %s", message_id, status, error)
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

    def _claim(self, session: Session, now: datetime) -> list[int]:
        return outbox.claim_due(session, now=now, limit=self.batch_size, lease=self.lease)

    def _render_batch(self, ids: list[int]) -> list[_Rendered]:
        """Every claimed row as a message ready to send, or why it cannot be, in one read."""
        settings = self.services.settings
        sender = outbox.sender_address(settings)
        rendered: list[_Rendered] = []
        with self.services.read() as session:
            rows = session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
            ).all()
            loaded = _preload(session, rows)  # noqa: F841 (kept alive in the session meanwhile)
            for row in rows:
                if row.status != outbox.PENDING:
                    continue
                try:
                    message = render_message(session, row, settings)
                except Exception as exc:  # judged in _send, outside this transaction
                    rendered.append(_Rendered(row.id, None, sender, row.recipient, exc))
                else:
                    rendered.append(_Rendered(row.id, message, sender, row.recipient))
        return rendered

    async def _send(self, item: _Rendered, sending: asyncio.Semaphore) -> _Outcome | None:
        """Hand one message to the transport; the outcome is recorded with the batch's."""
        message_id = item.message_id
        if isinstance(item.error, MissingMailData):
            log.warning("outbox %s: nothing to send: %s", message_id, item.error)
            return _Outcome(message_id, GIVE_UP, str(item.error))
        if item.message is None:  # a template or data bug: keep the row and retry later
            log.error("outbox %s: could not render", message_id, exc_info=item.error)
            return _Outcome(message_id, UNRENDERED, f"render: {item.error}")
        subject = item.message.subject
        try:
            async with sending:
                await self.transport.send(
                    item.message.data, sender=item.sender, recipients=[item.recipient]
                )
        except DeliveryError as exc:
            return _Outcome(message_id, FAILED, str(exc), subject, permanent=exc.permanent)
        except Exception as exc:  # an unexpected transport bug: never count it as sent
            log.exception("outbox %s: transport error", message_id)
            return _Outcome(message_id, FAILED, repr(exc), subject)
        return _Outcome(message_id, SENT, "", subject)

    def _record(self, session: Session, outcomes: list[_Outcome]) -> list[tuple[int, str, str]]:
        """Every outcome of a batch in one write transaction; returns the deliveries that failed.

        Logging is left to the caller: this may run twice (``Services.run_write``).
        """
        now = utcnow()
        sent = [(o.message_id, o.subject) for o in outcomes if o.result == SENT]
        outbox.record_sent(session, sent, now=now)
        failed: list[tuple[int, str, str]] = []
        for o in outcomes:
            if o.result == SENT:
                continue
            if o.result == GIVE_UP:
                outbox.give_up(session, o.message_id, error=o.error, now=now)
                continue
            status = outbox.record_failure(
                session,
                o.message_id,
                error=o.error,
                permanent=o.permanent,
                now=now,
                subject=o.subject,
            )
            if o.result == FAILED:
                failed.append((o.message_id, status, o.error))
        return failed


def _preload(session: Session, rows: Sequence[OutboxMessage]) -> list[object]:
    """The batch's status links and cases (with attachments) in three queries.

    Building each message then finds them in the session instead of asking the database two or
    three times per message. Returns the objects so they stay in the session while it renders.
    """
    access_ids = {
        access_id
        for row in rows
        if isinstance(access_id := (row.payload or {}).get("access_id"), int)
    }
    accesses = (
        session.scalars(select(CaseAccess).where(CaseAccess.id.in_(access_ids))).all()
        if access_ids
        else []
    )
    case_ids = {row.case_id for row in rows if row.case_id} | {a.case_id for a in accesses}
    cases = (
        session.scalars(
            select(Case).where(Case.id.in_(case_ids)).options(selectinload(Case.attachments))
        ).all()
        if case_ids
        else []
    )
    return [*accesses, *cases]


# What became of one message of a batch: accepted; refused or not reached (retried, or given up
# after repeated permanent refusals); not renderable (retried later); nothing left to send.
SENT, FAILED, UNRENDERED, GIVE_UP = "sent", "failed", "unrendered", "give up"


@dataclass(frozen=True)
class _Rendered:
    message_id: int
    message: RenderedMail | None
    sender: str
    recipient: str
    error: Exception | None = None


@dataclass(frozen=True)
class _Outcome:
    message_id: int
    result: str  # SENT, FAILED, UNRENDERED or GIVE_UP
    error: str
    subject: str = ""
    permanent: bool = False


async def run_worker(services: Services) -> None:
    """``portal worker``: deliver until SIGINT or SIGTERM, then finish the batch in hand."""
    from portal.housekeeping import Housekeeping
    from portal.sla.schedule import PromiseKeeper

    worker = OutboxWorker(services, poll_interval=APART_POLL_SECONDS)
    gc.freeze()  # start-up's objects live as long as the process (see ``create_app``)
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
        with checkpointing(services.engine):
            await stopped.wait()
    finally:
        await keeper.stop()
        await housekeeping.stop()
        await worker.stop()
        log.info("outbox worker stopped")
