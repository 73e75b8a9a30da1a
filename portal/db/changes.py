"""Has anything new been written since the last look? Asked for microseconds, not a query.

An idle ``portal worker`` looks for new mail several times a second. A query costs a couple of
milliseconds of CPU after each sleep (every cache has gone cold), so it asks the database first:

- on a SQLite file, ``PRAGMA data_version`` changes whenever another connection commits;
- on PostgreSQL, writers ``announce`` on a channel (``NOTIFY``, delivered at their commit) and
  the watch ``LISTEN``s on a connection of its own; only announced writes are seen;
- anything else (SQLite in memory) answers "perhaps" every time.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import Connection, Engine, text

from portal.db.session import sqlite_file

log = logging.getLogger(__name__)


def announce(connection: Connection, channel: str) -> None:
    """Tell PostgreSQL listeners on ``channel`` that the caller's transaction wrote something.

    The notification is delivered when the transaction commits (and not at all if it rolls back),
    once however often it is announced. Nothing to do on SQLite, where any commit shows.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"NOTIFY {channel}"))


class WriteWatch:
    """``changed()``: whether something may have been written since the last call.

    True the first time, and whenever the watch itself fails (it then starts afresh).
    """

    def __init__(self, engine: Engine, channel: str) -> None:
        self._engine = engine
        self._channel = channel
        self._path = sqlite_file(engine)
        self._postgresql = engine.dialect.name == "postgresql"
        self._connection: Any = None  # sqlite3 or psycopg, never in the engine's pool
        self._seen: int | None = None

    def changed(self) -> bool:
        try:
            if self._path is not None:
                return self._sqlite_changed()
            if self._postgresql:
                return self._announced()
        except Exception:
            log.warning("write watch failed; looking anyway", exc_info=True)
            self.close()
        return True

    def _sqlite_changed(self) -> bool:
        if self._connection is None:
            # Only ever reads a pragma, so it never takes a lock or holds a transaction.
            self._connection = sqlite3.connect(self._path, check_same_thread=False)
        version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        changed, self._seen = version != self._seen, version
        return changed

    def _announced(self) -> bool:
        if self._connection is None:
            pooled = self._engine.raw_connection()
            pooled.detach()  # this connection only listens: keep it out of the pool
            connection = pooled.dbapi_connection
            connection.autocommit = True
            connection.execute(f"LISTEN {self._channel}")
            self._connection = connection
            return True  # anything announced before it listened is unknown
        return bool(list(self._connection.notifies(timeout=0)))  # drained: each seen once

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # already broken; nothing left to release
                log.debug("closing the write watch failed", exc_info=True)
            self._connection = None
        self._seen = None
