"""A knowledge-base session on a private in-memory SQLite database built from ``kb.models``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from kb.models import Base


@pytest.fixture
def kb_engine() -> Iterator[Engine]:
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def kb_sessions(kb_engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(kb_engine, expire_on_commit=False)


@pytest.fixture
def session(kb_sessions: sessionmaker[Session]) -> Iterator[Session]:
    with kb_sessions() as session:
        yield session
