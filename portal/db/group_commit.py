"""Group commit: busy writes queue for one thread, which stores those waiting in one transaction.

SQLite stores one transaction at a time, and each commit costs a sync of the log to disk
(``synchronous=FULL``) and a fresh copy of every page it touched. Complaints that arrive
together touch the same index pages, so when the writer finds several units of work waiting it
runs them all in one transaction and commits once: one sync, and each shared page written once.
No caller hears back before the commit that holds its work, so an answered write is as durable
as if it had committed alone.

If any unit of the group fails, or the commit does, the group is rolled back and each unit runs
again in a transaction of its own, so one bad write never takes the others down with it. A unit
of work must therefore touch nothing but the database it is given. If no transaction can be
begun at all, every unit of the group fails at once with that error.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
log = logging.getLogger(__name__)

# Units of work in one transaction at most: enough to share a commit among every request the
# server has in flight, few enough that the first in a group does not wait long for the last.
MAX_GROUP = 32


@dataclass
class _Unit(Generic[T]):
    work: Callable[[Session], T]
    future: Future[T]


class GroupWriter:
    """One thread that runs units of work, several to a transaction when several are waiting.

    ``transaction`` opens the write transaction a group runs in (``Services.write``).
    """

    def __init__(
        self, transaction: Callable[[], AbstractContextManager[Session]], name: str
    ) -> None:
        self._transaction = transaction
        self._queue: queue.SimpleQueue[_Unit[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, work: Callable[[Session], T]) -> Future[T]:
        """Queue ``work``; its future is resolved once the transaction holding it has committed."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the writer is shut down")
            if not self._started:
                self._thread.start()
                self._started = True
            self._queue.put(_Unit(work, future))
        return future

    def shutdown(self) -> None:
        """Finish what is queued, then stop the thread."""
        with self._lock:
            self._closed = True
            started = self._started
        if started:
            self._queue.put(None)
            self._thread.join()

    def _serve(self) -> None:
        for group in self._groups():
            self._run(group)

    def _groups(self) -> Iterator[list[_Unit[Any]]]:
        """Whatever is waiting, up to ``MAX_GROUP`` units at a time, until shut down."""
        while True:
            unit = self._queue.get()
            if unit is None:
                return
            group = [unit]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
            yield group
            if stop:
                return

    def _run(self, group: list[_Unit[Any]]) -> None:
        group = [unit for unit in group if unit.future.set_running_or_notify_cancel()]
        if not group:
            return
        begun = False
        try:
            with self._transaction() as session:
                begun = True
                results = [unit.work(session) for unit in group]
        except BaseException as exc:
            if not begun or len(group) == 1:
                # No transaction to be had (the database is locked or gone): alone, each unit
                # would only wait as long again for the same answer.
                for unit in group:
                    unit.future.set_exception(exc)
                return
            log.info("a group of %d writes failed; each runs again alone", len(group))
            for unit in group:
                self._run_alone(unit)
            return
        for unit, result in zip(group, results, strict=True):
            unit.future.set_result(result)

    def _run_alone(self, unit: _Unit[Any]) -> None:
        try:
            with self._transaction() as session:
                result = unit.work(session)
        except BaseException as exc:
            unit.future.set_exception(exc)
        else:
            unit.future.set_result(result)
