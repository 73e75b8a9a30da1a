"""Has anything been written to the database since the last look? Asked for microseconds.

An idle ``portal worker`` looks for new mail several times a second. A query costs a couple of
milliseconds of CPU after each sleep (every cache has gone cold), so on a SQLite file it asks
SQLite first: ``PRAGMA data_version`` changes whenever another connection commits, and only then
is a query worth making. On PostgreSQL, or SQLite in memory, every look answers "perhaps".
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine

from portal.db.session import sqlite_file


class WriteWatch:
    """``changed()``: whether anyone has committed since the last call (True the first time)."""

    def __init__(self, engine: Engine) -> None:
        self._path = sqlite_file(engine)
        self._connection: sqlite3.Connection | None = None
        self._seen: int | None = None

    def changed(self) -> bool:
        if self._path is None:
            return True
        try:
            if self._connection is None:
                # Only ever reads a pragma, so it never takes a lock or holds a transaction.
                self._connection = sqlite3.connect(self._path, check_same_thread=False)
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            self.close()
            return True
        changed, self._seen = version != self._seen, version
        return changed

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        self._seen = None
