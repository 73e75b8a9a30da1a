"""The running portal's shared resources, built once by ``create_app`` or the CLI.

Domain functions take a ``Session`` (and plain values); routes reach them through ``Services.run``,
which executes one synchronous unit of work in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from portal.db.base import utcnow
from portal.db.session import make_engine, make_session_factory, reading, transaction
from portal.settings import Settings

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # Called after a transaction that queued email commits, so delivery starts at once.
    outbox_listeners: list[Callable[[], None]] = field(default_factory=list)
    # The current time; tests replace it to travel in time instead of sleeping.
    clock: Callable[[], datetime] = utcnow

    @classmethod
    def build(cls, settings: Settings) -> Services:
        engine = make_engine(settings.effective_database_url)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))

    @contextmanager
    def write(self) -> Iterator[Session]:
        with transaction(self.sessions) as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with reading(self.sessions) as session:
            yield session

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking domain code in a worker thread."""
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))

    def outbox_changed(self) -> None:
        for listener in self.outbox_listeners:
            listener()

    def close(self) -> None:
        self.engine.dispose()
