"""The yardstick: a bare Litestar endpoint doing one synchronous-commit SQLite insert per request.

It stores the raw request body and answers 303, like the complaint form, after one thread hop,
with its writers taking turns on the portal's ``write_lock`` as the portal's writes do. The commit
is synchronous: on disk before the 303, as a complaint's is. Two SQLite set-ups:

- ``BENCH_BARE_SQLITE=defaults``: SQLite as it comes (rollback journal, ``synchronous=FULL``),
  the bare endpoint the issue measured at 600–800 requests/s on this machine, and the yardstick
  the intake's target ratio is printed against;
- ``BENCH_BARE_SQLITE=portal``: the portal's own connection set-up (``portal.db.session``: WAL,
  ``synchronous=FULL``, busy timeout) and its ``BEGIN IMMEDIATE``, one commit per request. A
  stricter yardstick: whatever the full intake costs beyond it is the portal's own work (CSRF,
  form parsing, validation, the case, its event, status link and outbox row, their indexes).

Served by ``uvicorn bench.bare_app:create_app --factory`` with ``BENCH_BARE_DB`` set.
"""

from __future__ import annotations

import os
import sqlite3
import threading

import anyio.to_thread
from litestar import Litestar, Request, get, post
from litestar.response import Redirect

from portal.db.session import _sqlite_pragmas as sqlite_pragmas
from portal.db.session import write_lock

_local = threading.local()


def _connection() -> sqlite3.Connection:
    conn: sqlite3.Connection | None = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(
            os.environ["BENCH_BARE_DB"], timeout=30, isolation_level=None, check_same_thread=False
        )
        if _portal_settings():
            sqlite_pragmas(conn, None)  # exactly the portal's durability settings
        _local.conn = conn
    return conn


def _insert(body: bytes) -> None:
    conn = _connection()
    with write_lock(os.environ["BENCH_BARE_DB"]):  # writers take turns as the portal's do
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("INSERT INTO submissions (body) VALUES (?)", (body,))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _portal_settings() -> bool:
    return os.environ.get("BENCH_BARE_SQLITE", "defaults") == "portal"


def create_schema(path: str) -> None:
    with sqlite3.connect(path) as conn:
        if _portal_settings():
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS submissions ("
            "id INTEGER PRIMARY KEY, body BLOB NOT NULL, "
            "created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )


@post("/submit")
async def submit(request: Request) -> Redirect:
    body = await request.body()
    await anyio.to_thread.run_sync(_insert, body)
    return Redirect("/done", status_code=303)


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    create_schema(os.environ["BENCH_BARE_DB"])
    return Litestar(route_handlers=[submit, health], debug=False)
