"""A running portal copies SQLite's write-ahead log back into the database file by itself.

Complaints are committed to the log first. Until a checkpoint copies them over, a copy of the
database file alone (a careless backup, say) does not hold them. The portal's connections leave
that to a background thread, so the check is that the file catches up within seconds.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

from complaint_support import send
from litestar.testing import TestClient
from sqlalchemy.engine import make_url
from support import make_settings

from portal.app import create_app


def _cases_in_file_alone(database: Path, tmp_path: Path) -> int:
    """Cases in a copy of the database file without its log (what a file copy would keep)."""
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(database, copy)
    with sqlite3.connect(copy) as connection:
        return int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])


def test_complaints_reach_the_database_file_within_seconds(tmp_path: Path, sqlite_url: str) -> None:
    settings = make_settings(tmp_path, sqlite_url)
    database = Path(make_url(sqlite_url).database or "")
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        for _ in range(3):
            assert send(client).status_code == 303

        deadline = time.monotonic() + 15
        found = _cases_in_file_alone(database, tmp_path)
        while found < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            found = _cases_in_file_alone(database, tmp_path)

    assert found == 3
