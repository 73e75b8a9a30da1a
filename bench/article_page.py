"""The article page through HTTP against the same template rendered from in-memory data.

Two servers run side by side with the same uvicorn flags, the same data folder (the demo
help centre) and the same middleware (CSRF cookie, gzip, security headers):

- the portal (``portal.app:create_app``), serving ``GET /en/kb/delivery-times`` — routing, the
  language guard, dependencies, the page cache, the view counter, the template;
- the yardstick (``create_yardstick_app`` below), which loaded that very article once at
  start-up and renders ``kb/article.html`` from memory on every request.

A closed-loop client (``bench._loadgen``, its own process) keeps connections busy against each,
in turns, a few rounds; the figure is the portal's best requests per second as a share of the
yardstick's best.
Target: at least 80 %. It also counts the database queries one article request makes, cold
(first visit after a change) and warm.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from litestar import Litestar, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

from bench._harness import (
    ROOT,
    Result,
    Server,
    cli,
    cpu_seconds,
    data_dir,
    migrate,
    ms,
    percentile,
    portal_env,
    verdict,
)
from bench._harness import get as http_get
from bench._loadgen import write_bodies

LANG, SLUG = "en", "delivery-times"
PATH = f"/{LANG}/kb/{SLUG}"
TARGET = 0.80
CONNECTIONS = 8
HEADERS = [("accept", "text/html"), ("accept-encoding", "gzip")]


# -- the yardstick ------------------------------------------------------------------------------


def create_yardstick_app() -> Litestar:
    """The article template from memory, behind the portal's own middleware and template set."""
    from portal.knowledge.article_routes import Feedback
    from portal.knowledge.pages import load_article
    from portal.knowledge.service import SearchService
    from portal.services import Services
    from portal.settings import Settings
    from portal.web.security import security_headers_hook
    from portal.web.templating import make_environment

    settings = Settings.from_env()
    services = Services.build(settings)
    search = SearchService(services)
    search.open()
    with services.read() as session:
        page = load_article(session, search, LANG, SLUG)
    assert page is not None, f"{PATH} is missing: load the demo first"
    search.index.close()  # type: ignore[union-attr]
    services.close()
    context = {"lang": LANG, "page": page, "alternates": page.alternates, "feedback": Feedback()}

    @get(PATH, sync_to_thread=False)
    def article() -> Template:
        return Template("kb/article.html", context=context)

    @get("/health", sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(
        route_handlers=[article, health],
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(make_environment())
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_name="svar_csrf", header_name="x-csrftoken"
        ),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=512, gzip_compress_level=6
        ),
        plugins=[HTMXPlugin()],
        before_send=[security_headers_hook(hsts=False)],
    )


# -- measuring ----------------------------------------------------------------------------------


def _load(server: Server, duration: float, work: Path) -> dict[str, Any]:
    bodies_file = work / f"bodies-{time.monotonic_ns()}"
    write_bodies(str(bodies_file), [b""] * 300_000)  # more than any run can send
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "method": "GET",
        "path": PATH,
        "headers": HEADERS,
        "bodies_file": str(bodies_file),
        "connections": CONNECTIONS,
        "duration": duration,
    }
    cpu_before = cpu_seconds(server.pid)
    done = subprocess.run(
        [sys.executable, "-m", "bench._loadgen"],
        input=json.dumps(spec).encode(),
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    bodies_file.unlink()
    summary: dict[str, Any] = json.loads(done.stdout)
    statuses = Counter({int(k): v for k, v in summary["statuses"].items()})
    summary["statuses"] = statuses
    summary["rate"] = statuses[200] / max(summary["elapsed"], 1e-9)
    summary["server_cpu"] = (cpu_seconds(server.pid) - cpu_before) / max(sum(statuses.values()), 1)
    return summary


def _start(app: str, env: dict[str, str], work: Path) -> Server:
    log = work / f"{app.split(':')[-1]}.log"
    try:
        server = Server(app, env, log_file=log).start()
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}:\n{log.read_text()[-3000:]}") from exc
    status, _, body = http_get(server.port, PATH, dict(HEADERS))
    if status != 200:
        server.stop()
        raise RuntimeError(f"{app} answered {status} for {PATH}")
    server.bytes = len(body)  # type: ignore[attr-defined]
    return server


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the highest rate: the one least disturbed by other work on the machine."""
    return max(runs, key=lambda summary: summary["rate"])


def _describe(summary: dict[str, Any]) -> str:
    lat = summary["latencies"]
    other = {s: n for s, n in summary["statuses"].items() if s != 200}
    return (
        f"{sum(summary['statuses'].values())} requests in {summary['elapsed']:.1f} s"
        f"{f', not 200: {other}' if other else ''}; latency p50 {ms(percentile(lat, 50))}, "
        f"p95 {ms(percentile(lat, 95))}; server CPU {summary['server_cpu'] * 1000:.2f} ms per "
        f"request; {summary['bytes']} bytes gzipped"
    )


def count_queries(env: dict[str, str]) -> tuple[int, int]:
    """Database statements for one article request: first visit, then a repeat."""
    from litestar.testing import TestClient
    from sqlalchemy import event

    from portal.app import create_app
    from portal.services import Services
    from portal.settings import Settings

    # The in-process outbox worker polls the database on its own schedule: off while counting,
    # so only the page's own statements are counted.
    settings = Settings.from_env({**env, "PORTAL_OUTBOX_IN_PROCESS": "false"})
    services = Services.build(settings)
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    try:
        with TestClient(create_app(settings, services)) as client:
            search = client.app.state.knowledge.search
            deadline = time.monotonic() + 10
            while not search.idle() and time.monotonic() < deadline:  # start-up check done
                time.sleep(0.05)
            event.listen(services.engine, "before_cursor_execute", note)
            client.get(PATH)
            cold = len(statements)
            client.get(PATH)
            warm = len(statements) - cold
            event.remove(services.engine, "before_cursor_execute", note)
    finally:
        services.close()
    return cold, warm


def run(quick: bool = True) -> list[Result]:
    duration, rounds = (3.0, 3) if quick else (10.0, 5)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with data_dir() as work:
        env = portal_env(work)
        migrate(env)
        from portal.demo import load_demo
        from portal.services import Services
        from portal.settings import Settings

        services = Services.build(Settings.from_env(env))
        try:
            load_demo(services)
        finally:
            services.close()
        # Both servers run side by side and are measured in turns, so a burst of other work on
        # the machine hits both alike; each side's best round is compared.
        memory_server = _start("bench.article_page:create_yardstick_app", env, work)
        portal_server = _start("portal.app:create_app", env, work)
        try:
            for server in (memory_server, portal_server):  # warm-up: caches and connections
                _load(server, 1.0, work)
            memory_runs, portal_runs = [], []
            for _ in range(rounds):
                memory_runs.append(_load(memory_server, duration, work))
                portal_runs.append(_load(portal_server, duration, work))
        finally:
            portal_server.stop()
            memory_server.stop()
        memory, portal = _best(memory_runs), _best(portal_runs)
        memory["bytes"] = memory_server.bytes  # type: ignore[attr-defined]
        portal["bytes"] = portal_server.bytes  # type: ignore[attr-defined]
        cold, warm = count_queries(env)
    share = portal["rate"] / max(memory["rate"], 1e-9)
    return [
        Result(
            "article page via HTTP vs in-memory template",
            f"{share:.0%} ({portal['rate']:.0f} vs {memory['rate']:.0f} req/s)",
            f"≥ {TARGET:.0%}",
            verdict(share >= TARGET),
            [
                f"best of {rounds} rounds each, taken in turns",
                f"by server CPU per request, which other work on the machine disturbs less: "
                f"{memory['server_cpu'] / max(portal['server_cpu'], 1e-9):.0%}",
                f"portal: {_describe(portal)}",
                f"in-memory template: {_describe(memory)}",
            ],
        ),
        Result(
            "article page database queries",
            f"{cold} on a first visit, {warm} when cached",
            "≤ 1",
            verdict(cold <= 1 and warm <= 1),
        ),
    ]


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
