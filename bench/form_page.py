"""The complaint form page: server time and page weight.

Server time is measured in-process: the bench calls the real ASGI app (``create_app``) directly
with a GET for ``/{lang}/complaint`` as a first-time visitor (no cookies, ``Accept-Encoding:
gzip``) and times each call from entry until the last body byte is handed to ``send``. No network
and no HTTP parser are involved, so this is the portal's own time: routing, middleware (CSRF
cookie, compression, security headers), the handler and template rendering. For context it also
prints the latency a client sees over loopback through uvicorn.

Page weight is fetched from a real server with ``Accept-Encoding: gzip``: the HTML plus every
stylesheet and script it loads, each counted as the bytes of its body as served (compressed when
the server compresses it; headers not counted). Images and icons are listed but not counted.
"""

from __future__ import annotations

import asyncio
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from bench._harness import (
    BENCH_SECRET,
    Result,
    Server,
    cli,
    data_dir,
    get,
    machine_note,
    migrate,
    ms,
    percentile,
    portal_env,
    skipped,
    verdict,
)

LANGS = ("en", "sv", "nb")
SERVER_P95_TARGET = 0.010
WEIGHT_TARGET = 40 * 1024
NAME_TIME = "form page server time p95"
NAME_WEIGHT = "form page weight (gzip)"


class _Resources(HTMLParser):
    """Stylesheets, scripts and images a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        rel = a.get("rel", "").lower().split()
        if tag == "link" and "stylesheet" in rel and a.get("href"):
            self.found.append(("css", a["href"]))
        elif tag == "link" and ("icon" in rel or "preload" in rel) and a.get("href"):
            self.found.append(("other", a["href"]))
        elif tag == "script" and a.get("src"):
            self.found.append(("js", a["src"]))
        elif tag == "img" and a.get("src") and not a["src"].startswith("data:"):
            self.found.append(("other", a["src"]))


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"accept", b"text/html,application/xhtml+xml"),
            (b"accept-encoding", b"gzip, deflate, br"),
            (b"accept-language", b"en;q=0.8"),
            (b"user-agent", b"svar-bench"),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _time_in_process(
    data: Path, paths: list[str], samples: int
) -> tuple[list[float], float, int]:
    """Per-request server time of the real app, called directly.

    Returns the times, the process CPU time per request (nothing else runs in this process:
    the outbox worker is off) and the last status.
    """
    from portal.app import create_app
    from portal.settings import Settings

    settings = Settings(
        data_dir=data,
        secret_key=BENCH_SECRET,
        outbox_in_process=False,
        rate_limit_scale=1_000_000,
        log_level="WARNING",
    )
    migrate({"PORTAL_DATA_DIR": str(data)})
    app = create_app(settings)
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    times: list[float] = []
    async with app.lifespan():
        for i in range(samples + 50):  # the first 50 warm caches and compile templates
            if i == 50:
                cpu_start = time.process_time()
            scope = _scope(paths[i % len(paths)])
            start = time.perf_counter()
            await app(scope, receive, send)  # type: ignore[arg-type]
            if i >= 50:
                times.append(time.perf_counter() - start)
        cpu = (time.process_time() - cpu_start) / samples
    return times, cpu, status


def _over_http(port: int, paths: list[str], samples: int) -> list[float]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for i in range(samples):
        start = time.perf_counter()
        conn.request("GET", paths[i % len(paths)], headers={"accept-encoding": "gzip"})
        conn.getresponse().read()
        times.append(time.perf_counter() - start)
    conn.close()
    return times


def _page_weight(port: int, path: str) -> tuple[int, list[str]]:
    """Counted bytes (HTML+CSS+JS as served) and one line per resource."""
    headers = {"accept-encoding": "gzip", "accept": "text/html"}
    status, head, body = get(port, path, headers)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    lines = [f"{'html':5} {len(body):7,d} B  {head.get('content-encoding', 'identity'):8} {path}"]
    total = len(body)
    parser = _Resources()
    parser.feed(body_text(head, body))
    seen = set()
    for kind, href in parser.found:
        url = urljoin(f"http://127.0.0.1:{port}{path}", href)
        split = urlsplit(url)
        if split.hostname != "127.0.0.1" or url in seen:
            lines.append(f"{kind:5}       ?    external, not fetched: {href}")
            continue
        seen.add(url)
        target = split.path + (f"?{split.query}" if split.query else "")
        status, head, data = get(port, target, headers)
        counted = kind in ("css", "js")
        if counted:
            total += len(data)
        encoding = head.get("content-encoding", "identity")
        suffix = "" if counted else "  (not counted)"
        lines.append(f"{kind:5} {len(data):7,d} B  {encoding:8} {target} [{status}]{suffix}")
    return total, lines


def body_text(head: dict[str, str], body: bytes) -> str:
    if head.get("content-encoding") == "gzip":
        import gzip

        body = gzip.decompress(body)
    return body.decode("utf-8", "replace")


def run(quick: bool = True) -> list[Result]:
    samples = 1000 if quick else 5000
    paths = [f"/{lang}/complaint" for lang in LANGS]
    results: list[Result] = []
    machine = machine_note()
    with data_dir() as data:
        times, cpu, status = asyncio.run(_time_in_process(data / "inproc", paths, samples))
        if status != 200:
            reason = f"GET /en/complaint answered {status}: the complaint form is not served yet"
            return [
                skipped(NAME_TIME, reason, "p95 ≤ 10 ms"),
                skipped(NAME_WEIGHT, reason, "≤ 40 KB"),
            ]
        p95 = percentile(times, 95)
        results.append(
            Result(
                NAME_TIME,
                ms(p95),
                "p95 ≤ 10 ms",
                verdict(p95 <= SERVER_P95_TARGET),
                [
                    f"machine: {machine}",
                    f"in-process ASGI, no network, {len(times)} GETs over en/sv/nb as new "
                    f"visitors with gzip: p50 {ms(percentile(times, 50))}, "
                    f"p95 {ms(p95)}, p99 {ms(percentile(times, 99))}, max {ms(max(times))}; "
                    f"CPU {ms(cpu)} per request (less disturbed by other work on the machine)",
                ],
            )
        )
        env = portal_env(data / "served", PORTAL_OUTBOX_IN_PROCESS="false")
        migrate(env)
        with Server("portal.app:create_app", env) as server:
            _over_http(server.port, paths, 50)
            http_times = _over_http(server.port, paths, samples // 2)
            results[0].notes.append(
                f"for context, client-side over loopback through uvicorn "
                f"(keep-alive, sequential): p50 {ms(percentile(http_times, 50))}, "
                f"p95 {ms(percentile(http_times, 95))}"
            )
            total, lines = _page_weight(server.port, "/en/complaint")
        results.append(
            Result(
                NAME_WEIGHT,
                f"{total / 1024:.1f} KB",
                "≤ 40 KB",
                verdict(total <= WEIGHT_TARGET),
                ["/en/complaint with Accept-Encoding: gzip, body bytes as served:", *lines],
            )
        )
    return results


if __name__ == "__main__":
    cli(run, __doc__.splitlines()[0])
