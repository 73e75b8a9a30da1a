"""Browser fixtures: Debian's Chromium driven by Playwright against the real app served by uvicorn.

One browser per session and a fresh context (cookies, storage) per test keep the suite fast and the
tests independent. Each test gets its own server, database and SMTP server.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, Page, expect
from support import SMTPServer, make_settings

from portal.app import create_app
from portal.services import Services
from portal.settings import Settings

HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous enough for a loaded 2-core CI machine, short enough that a broken page fails quickly.
ACTION_TIMEOUT_MS = 10_000
expect.set_options(timeout=ACTION_TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser drives a real browser: ``-m "not browser"`` skips it."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    """Debian's Chromium (or ``CHROMIUM_PATH``); missing is a failure, never a silent skip."""
    configured = os.environ.get("CHROMIUM_PATH")
    found = configured or shutil.which("chromium")
    if not found or not Path(found).exists():
        where = f"CHROMIUM_PATH={configured!r} does not exist" if configured else "not on PATH"
        pytest.fail(
            f"Chromium is needed for the browser tests ({where}). Run `make test`, which installs "
            "Debian's chromium package, or set CHROMIUM_PATH to a Chromium binary. "
            "Do not use `playwright install`.",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture
def context(new_context: Any) -> BrowserContext:
    ctx: BrowserContext = new_context()
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    return ctx


@pytest.fixture
def no_js_context(new_context: Any) -> BrowserContext:
    """A browser with JavaScript switched off: every page must work without it."""
    ctx: BrowserContext = new_context(java_script_enabled=False)
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    return ctx


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


# -- the portal, served for real --------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    settings: Settings
    smtp: SMTPServer

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def live_server(tmp_path: Path, sqlite_url: str, smtp_server: SMTPServer) -> Iterator[LiveServer]:
    """The real app (``create_app``) on a free 127.0.0.1 port, mailing the test's SMTP server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound here and handed over: no race for the port
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = make_settings(
        tmp_path,
        sqlite_url,
        base_url=url,
        smtp_url=smtp_server.url,
        outbox_in_process=True,
        # A script fills the form faster than any person; the minimum fill time has its own tests.
        complaint_min_fill_seconds=0.0,
    )
    services = Services.build(settings)
    config = uvicorn.Config(
        create_app(settings, services), log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)  # off the main thread it leaves pytest's signals alone
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the portal did not start; see the captured log above", pytrace=False)
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the portal did not start within 20 s", pytrace=False)
        time.sleep(0.02)
    yield LiveServer(url=url, settings=settings, smtp=smtp_server)
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()
    services.close()
    assert not thread.is_alive(), "the portal did not shut down"
