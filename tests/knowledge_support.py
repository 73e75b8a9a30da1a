"""Helpers for the help-centre tests: the demo help centre loaded once per session and copied
for each test (database and search index), and small readers for its pages."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from helpers import Element, parse
from sqlalchemy import create_engine
from support import make_settings

from portal.demo import load_demo
from portal.services import Services
from portal.settings import Settings

T = TypeVar("T")
DB_NAME = "svar.sqlite3"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A folder with ``db/`` (migrated SQLite with the demo content) and ``var/index``."""
    folder = tmp_path_factory.mktemp("demo")
    (folder / "db").mkdir()
    shutil.copyfile(sqlite_template, folder / "db" / DB_NAME)
    url = f"sqlite:///{folder / 'db' / DB_NAME}"
    services = Services.build(make_settings(folder, url))
    try:
        report = load_demo(services, history=False)  # tests count their own searches
        assert report.articles.ok, report.lines()
    finally:
        services.close()
    engine = create_engine(url)
    with engine.connect() as conn:  # one self-contained file to copy
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    return folder


def copy_demo(template: Path, tmp_path: Path) -> str:
    """Copy the demo database and index into ``tmp_path`` (``db/`` and ``var/``); returns the
    database URL. ``make_settings(tmp_path, url)`` then finds the index in its data folder."""
    shutil.copytree(template / "db", tmp_path / "db")
    shutil.copytree(template / "var" / "index", tmp_path / "var" / "index")
    return f"sqlite:///{tmp_path / 'db' / DB_NAME}"


def demo_settings(template: Path, tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(tmp_path, copy_demo(template, tmp_path), **overrides)


def eventually(check: Callable[[], T | None], within: float = 15.0, what: str = "") -> T:
    """Poll ``check`` until it returns something truthy (the index updates in the background).

    The limit only tells "never" from "later": on a machine busy with other work a background
    update can take seconds, and how fast it is belongs to the benchmarks, not to this check."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"not within {within} s: {what}"
        time.sleep(0.02)


def main(html: str) -> Element:
    found = parse(html).find("main")
    assert found is not None, "the page has no <main>"
    return found


def result_links(html: str) -> list[Element]:
    """The result titles' links inside ``#results`` (a whole page or the htmx fragment)."""
    root = parse(html)
    results = root.by_id("results") or root
    return [h.find("a") for h in results.find_all("h3") if h.find("a") is not None]  # type: ignore[misc]


def slugs(links: list[Element]) -> list[str]:
    return [(link.get("href") or "").split("?")[0].rsplit("/", 1)[-1] for link in links]
