"""Group commit: writes that wait together share a commit, and none is lost to another's failure."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portal.db.group_commit import GroupWriter
from portal.db.session import make_engine, make_session_factory, transaction


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Engine, Path]]:
    path = tmp_path / "group.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    yield engine, path
    engine.dispose()


@pytest.fixture
def writer(database: tuple[Engine, Path]) -> Iterator[GroupWriter]:
    factory = make_session_factory(database[0])
    group_writer = GroupWriter(lambda: transaction(factory), name="test-writer")
    yield group_writer
    group_writer.shutdown()


def _commits(engine: Engine) -> list[int]:
    commits: list[int] = []
    event.listen(engine, "commit", lambda _connection: commits.append(1))
    return commits


def _note(body: str):  # type: ignore[no-untyped-def]
    def work(session: Session) -> str:
        session.execute(text("INSERT INTO notes (body) VALUES (:body)"), {"body": body})
        return body

    return work


def _stored(path: Path) -> list[str]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT body FROM notes ORDER BY id")]


def _hold(started: threading.Event, release: threading.Event):  # type: ignore[no-untyped-def]
    def work(session: Session) -> str:
        started.set()
        assert release.wait(10)
        return _note("first")(session)

    return work


def test_writes_waiting_together_share_one_commit_and_each_is_stored_when_answered(
    database: tuple[Engine, Path], writer: GroupWriter
) -> None:
    engine, path = database
    commits = _commits(engine)
    started, release = threading.Event(), threading.Event()
    first = writer.submit(_hold(started, release))
    assert started.wait(10)
    waiting = [writer.submit(_note(f"note {n}")) for n in range(5)]
    release.set()

    assert first.result(10) == "first"
    assert [future.result(10) for future in waiting] == [f"note {n}" for n in range(5)]
    # Answered means committed: another connection already sees every row.
    assert _stored(path) == ["first"] + [f"note {n}" for n in range(5)]
    assert len(commits) == 2  # the first alone, the five that waited for it together


def test_a_failing_write_fails_alone_and_the_rest_of_its_group_is_stored(
    database: tuple[Engine, Path], writer: GroupWriter
) -> None:
    _engine, path = database
    started, release = threading.Event(), threading.Event()
    first = writer.submit(_hold(started, release))
    assert started.wait(10)

    def half_then_fail(session: Session) -> str:
        _note("half-written")(session)
        raise ValueError("refused")

    before = writer.submit(_note("before"))
    failing = writer.submit(half_then_fail)
    after = writer.submit(_note("after"))
    release.set()

    assert first.result(10) == "first"
    assert before.result(10) == "before"
    assert after.result(10) == "after"
    with pytest.raises(ValueError, match="refused"):
        failing.result(10)
    assert _stored(path) == ["first", "before", "after"]


def test_shutdown_finishes_what_is_queued_and_refuses_more(
    database: tuple[Engine, Path], writer: GroupWriter
) -> None:
    _engine, path = database
    futures = [writer.submit(_note(f"note {n}")) for n in range(20)]
    writer.shutdown()

    assert all(future.done() for future in futures)
    assert _stored(path) == [f"note {n}" for n in range(20)]
    with pytest.raises(RuntimeError, match="shut down"):
        writer.submit(_note("late"))


def test_when_no_transaction_can_begin_the_whole_group_fails_at_once(
    database: tuple[Engine, Path],
) -> None:
    _engine, path = database
    attempts: list[int] = []
    started, release = threading.Event(), threading.Event()

    @contextmanager
    def locked_after_first() -> Iterator[Session]:
        attempts.append(1)
        if len(attempts) > 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("locked"))
        yield None  # type: ignore[misc]  # the holding unit below needs no session

    group_writer = GroupWriter(locked_after_first, name="test-locked")
    try:
        holding = group_writer.submit(lambda _session: (started.set(), release.wait(10)))
        assert started.wait(10)
        waiting = [group_writer.submit(_note(f"note {n}")) for n in range(3)]
        release.set()
        holding.result(10)
        for future in waiting:
            with pytest.raises(OperationalError, match="locked"):
                future.result(10)
    finally:
        group_writer.shutdown()
    assert len(attempts) == 2  # the holder's transaction, then one try for the whole group
    assert _stored(path) == []
