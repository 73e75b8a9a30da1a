"""An idle worker asks SQLite whether anything was written before it queries for new mail."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from portal.db.changes import WriteWatch
from portal.db.session import make_engine


def test_a_commit_by_anyone_is_seen_once_and_quiet_is_seen_as_quiet(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'watched.sqlite3'}")
    watch = WriteWatch(engine)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE notes (body TEXT)"))
        assert watch.changed() is True  # the first look knows nothing yet
        assert watch.changed() is False
        with engine.connect() as connection:  # a read changes nothing
            connection.execute(text("SELECT count(*) FROM notes")).scalar()
        assert watch.changed() is False
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO notes VALUES ('new mail')"))
        assert watch.changed() is True
        assert watch.changed() is False
    finally:
        watch.close()
        engine.dispose()


def test_without_a_sqlite_file_every_look_says_perhaps() -> None:
    engine = create_engine("sqlite://")
    watch = WriteWatch(engine)
    assert [watch.changed() for _ in range(3)] == [True, True, True]
    engine.dispose()
