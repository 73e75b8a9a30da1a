"""Copying SQLite's write-ahead log back into the database, beside the writers instead of in them.

In WAL mode every commit appends the pages it changed to the log, and by default the commit that
takes the log past 1,000 pages also copies the log back into the database and syncs both files
(a checkpoint) while it still holds the write lock. A complaint changes about 20 pages, so every
fiftieth or so paid for a checkpoint that re-copied the same hot index pages again and again:
about 0.4 ms of CPU per complaint on average, and several milliseconds during which no other
complaint could be stored.

A running portal (``portal serve``, ``portal worker``) instead checkpoints from a thread of its
own, on a connection of its own, once a second while the log has grown. SQLite does that work
outside Python's GIL, so it runs on another core beside the requests. Its ``PASSIVE``
checkpoint never waits for readers or writers. The portal's connections keep SQLite's automatic
checkpoint, at ``portal.db.session.WAL_AUTOCHECKPOINT_PAGES``, as a safety net for when no
portal process runs (the CLI) or the log outgrows the thread.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from portal.db.session import sqlite_file

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_SECONDS = 1.0


class WalCheckpointer:
    """Checkpoints one SQLite database every ``interval`` seconds, from a thread of its own."""

    def __init__(self, database: Path, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        self.database = database
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        thread.join(timeout=30)

    def _run(self) -> None:
        connection = sqlite3.connect(self.database, timeout=5, isolation_level=None)
        try:
            while not self._stop.wait(self.interval):
                try:
                    # Copies what the log holds, as far as readers allow; with nothing new in
                    # the log this only reads its header.
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error:
                    log.warning("WAL checkpoint of %s failed", self.database, exc_info=True)
        finally:
            connection.close()


@contextmanager
def checkpointing(engine: Engine) -> Iterator[WalCheckpointer | None]:
    """Run a ``WalCheckpointer`` for ``engine``'s database while the block runs (SQLite files)."""
    database = sqlite_file(engine)
    if database is None:
        yield None
        return
    checkpointer = WalCheckpointer(Path(database))
    checkpointer.start()
    try:
        yield checkpointer
    finally:
        checkpointer.stop()
