"""Engine and session factory: SQLite in WAL mode by default, PostgreSQL through psycopg.

Domain code is synchronous; the web layer runs it in a worker thread, so one request is one
thread hop and one transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# How long a writer waits for another (SQLite's busy timeout, and the write lock below).
WRITE_WAIT_SECONDS = 30.0
# SQLite's automatic checkpoint on the portal's connections, in pages of 4 KiB (40 MiB of log):
# a safety net; a running portal checkpoints from a thread of its own (``portal.db.checkpoint``).
WAL_AUTOCHECKPOINT_PAGES = 10_000


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the pragmas and pool sizes this portal relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
            # The connection used last comes back first: its page cache is the one still valid.
            # SQLite drops a connection's whole cache when another connection has written, so
            # handing connections round (the default) re-read about 50 pages per complaint.
            pool_use_lifo=True,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Let SQLAlchemy own transactions; WAL lets readers run beside the one writer. Every commit
    # reaches the disk before it returns (FULL), so an answered complaint survives a power cut
    # as well as a crash; group commit (``portal.db.group_commit``) shares that sync among the
    # writes that wait together, which is what makes it affordable.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(WRITE_WAIT_SECONDS * 1000)}")
    cursor.close()


def _sqlite_begin(connection) -> None:  # type: ignore[no-untyped-def]
    # Write transactions take the lock at BEGIN so concurrent writers queue (on ``write_lock``
    # within a process, on busy_timeout between processes) instead of failing half-way; reads
    # stay deferred and run beside the writer (WAL).
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work that writes: commit on success, roll back on any error.

    On SQLite, writers in this process also queue on ``write_lock`` before ``BEGIN IMMEDIATE``.
    """
    with _writer_turn(factory.kw.get("bind")), factory() as session, session.begin():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        yield session


_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def write_lock(database: str) -> threading.RLock:
    """The lock this process's writers to the SQLite file ``database`` take turns with.

    SQLite lets one transaction write at a time. A writer that finds the file locked waits in
    SQLite's busy handler, which sleeps 1, 2, 5, 10 … up to 100 ms between tries, so under
    load the file often stands idle while writers sleep (and each try costs CPU). Queued on a
    lock, the next writer starts the moment the previous one commits. Other processes (a
    ``portal worker``) still meet the busy handler; the lock only orders this process's threads.
    """
    with _write_locks_guard:
        return _write_locks.setdefault(database, threading.RLock())


def sqlite_file(engine: Engine | None) -> str | None:
    """The path of ``engine``'s SQLite database file; None for PostgreSQL or an in-memory one."""
    if engine is None or engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    return None if database in (None, "", ":memory:") else database


@contextmanager
def _writer_turn(engine: Engine | None) -> Iterator[None]:
    """Wait for this process's other SQLite writers; nothing to wait for on PostgreSQL.

    Waits at most as long as SQLite's own busy timeout; past that the transaction goes ahead
    and SQLite decides, as it did before there was a lock.
    """
    database = sqlite_file(engine)
    if database is None:
        yield
        return
    lock = write_lock(database)
    acquired = lock.acquire(timeout=WRITE_WAIT_SECONDS)
    try:
        yield
    finally:
        if acquired:
            lock.release()


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only unit of work (never takes SQLite's write lock)."""
    with factory() as session, session.begin():
        yield session
