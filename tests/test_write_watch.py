"""An idle worker asks the database whether anything was written before it queries for mail."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import create_engine, text

from portal.db.changes import WriteWatch
from portal.db.session import make_engine
from portal.mail import outbox
from portal.services import Services


def _seen_within(watch: WriteWatch, seconds: float = 5.0) -> bool:
    """A PostgreSQL notification travels after the commit; give it a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if watch.changed():
            return True
        time.sleep(0.02)
    return False


def test_queued_mail_is_seen_once_and_quiet_is_seen_as_quiet(services: Services) -> None:
    def look_for_mail() -> None:
        with services.read() as session:
            outbox.next_due(session)

    look_for_mail()  # a running portal: its connections are open already
    watch = WriteWatch(services.engine, outbox.CHANNEL)
    try:
        assert watch.changed() is True  # the first look knows nothing yet
        assert watch.changed() is False
        look_for_mail()  # a read changes nothing
        assert watch.changed() is False
        with services.write() as session:
            outbox.enqueue(
                session,
                kind="acknowledgement",
                recipient="anna@example.com",
                lang="en",
                settings=services.settings,
            )
        assert _seen_within(watch)
        assert watch.changed() is False
    finally:
        watch.close()


def test_on_sqlite_any_commit_is_seen(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'watched.sqlite3'}")
    watch = WriteWatch(engine, outbox.CHANNEL)
    try:
        assert watch.changed() is True
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (body TEXT)"))
        assert watch.changed() is True
        assert watch.changed() is False
    finally:
        watch.close()
        engine.dispose()


def test_without_a_sqlite_file_every_look_says_perhaps() -> None:
    engine = create_engine("sqlite://")
    watch = WriteWatch(engine, outbox.CHANNEL)
    assert [watch.changed() for _ in range(3)] == [True, True, True]
    engine.dispose()
