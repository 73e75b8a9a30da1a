"""Shared benchmark machinery: result rows, percentiles, a server in a subprocess, CPU accounting.

Every benchmark returns ``Result`` rows; ``print_table`` shows them beside their targets. Nothing
here asserts: a missed target is a finding to report, not a failure.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

MET, MISSED, INFO, SKIPPED = "met", "MISSED", "info", "n/a"


# -- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One printed figure: what was measured, against which target, and whether it was met."""

    name: str
    measured: str
    target: str = ""
    verdict: str = INFO
    notes: list[str] = field(default_factory=list)


def verdict(ok: bool) -> str:
    return MET if ok else MISSED


def skipped(name: str, reason: str, target: str = "") -> Result:
    return Result(name, "not measured", target, SKIPPED, [reason])


def print_table(results: Sequence[Result], *, notes: bool = True) -> None:
    """The benchmark table, then each row's notes (details that do not fit a cell)."""
    header = ("benchmark", "measured", "target", "verdict")
    rows = [(r.name, r.measured, r.target, r.verdict) for r in results]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))
    if notes and any(r.notes for r in results):
        print()
        for r in results:
            for note in r.notes:
                print(f"  [{r.name}] {note}")
    sys.stdout.flush()


# -- statistics -------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# -- processes --------------------------------------------------------------------------------


def machine_note() -> str:
    """Cores and load: figures taken while other work runs on the machine are pessimistic."""
    load = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    busy = " — other work was running, timings are pessimistic" if load > 0.5 * cores else ""
    return f"{cores} cores, load average {load:.1f} at the start{busy}"


def server_stack() -> str:
    """What ``uvicorn`` serves with here, the portal and the yardstick alike: its "auto" choice
    (uvloop and httptools when installed, as ``uvicorn[standard]`` does) unless
    ``UVICORN_LOOP`` / ``UVICORN_HTTP`` say otherwise."""
    import importlib.util

    import uvicorn

    loop = os.environ.get("UVICORN_LOOP", "auto")
    if loop == "auto":
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = os.environ.get("UVICORN_HTTP", "auto")
    if http == "auto":
        http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn {uvicorn.__version__} ({loop} loop, {http} HTTP parser)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads included (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@contextlib.contextmanager
def data_dir(prefix: str = "svar-bench-") -> Iterator[Path]:
    """A fresh, throwaway folder for one server's database and files."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def portal_env(data: Path, **overrides: str) -> dict[str, str]:
    """Environment for a portal server: a fresh data folder and limits raised for load.

    Inherited ``PORTAL_*`` variables are dropped so a developer's shell cannot skew a run.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(
        PORTAL_ENV="dev",
        PORTAL_DATA_DIR=str(data),
        PORTAL_SECRET_KEY=BENCH_SECRET,
        PORTAL_RATE_LIMIT_SCALE="1000000",
        PORTAL_LOG_LEVEL="WARNING",
        PORTAL_OUTBOX_IN_PROCESS="true",
    )
    env.update(overrides)
    return env


def migrate(env: dict[str, str]) -> str:
    """Apply the migrations to the database the environment points at; returns its URL."""
    import logging

    from portal.db.migrate import upgrade
    from portal.settings import Settings

    logging.getLogger("alembic").setLevel(logging.WARNING)

    settings = Settings.from_env(env)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.effective_database_url
    upgrade(url)
    return url


class Server:
    """``uvicorn APP --factory`` in its own process on a free 127.0.0.1 port.

    The same flags serve the portal and the bare yardstick app, so any difference between them is
    the application's. Access logging is off for both; its cost is reported in bench/README.md.
    """

    def __init__(
        self,
        app: str,
        env: dict[str, str],
        *,
        ready_path: str = "/health",
        access_log: bool = False,
        log_file: Path | None = None,
        extra_args: Sequence[str] = (),
        cpus: set[int] | None = None,
    ) -> None:
        self.app = app
        self.cpus = cpus  # the cores the server may run on (``taskset``); None: any
        self.extra_args = list(extra_args)
        self.env = env
        self.port = free_port()
        self.ready_path = ready_path
        self.access_log = access_log
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "info" if self.access_log else "warning",
            "--lifespan",
            "on",
        ]
        if not self.access_log:
            cmd.append("--no-access-log")
        cmd += self.extra_args
        log = open(self.log_file, "wb") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        env = {**self.env, "PORTAL_BASE_URL": self.env.get("PORTAL_BASE_URL", self.base_url)}
        cpus = self.cpus
        self.process = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited with {self.process.returncode}; see its log")
            with contextlib.suppress(OSError):
                status, _, _ = get(self.port, self.ready_path)
                if status < 500:
                    return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.app} did not answer {self.ready_path} within {timeout:.0f} s")

    def stop(self) -> None:
        """Graceful shutdown (SIGINT runs the lifespan's clean-up), then kill if it hangs."""
        interrupt(self.process)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class WorkerProcess:
    """``portal worker`` in its own process, for the deployment with the outbox apart."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.env, self.log_file = env, log_file
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WorkerProcess:
        with open(self.log_file, "wb") as log:  # the process keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from portal.cli import main; main()", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *_exc: object) -> None:
        interrupt(self.process)


def interrupt(process: subprocess.Popen[bytes] | None) -> None:
    """SIGINT, so the process cleans up as on Ctrl-C; killed if it takes over 15 s."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One GET on 127.0.0.1; returns status, lower-cased headers (last value wins) and raw body.

    The body is returned as sent (no decompression), so its length is what went over the wire.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def set_cookies(port: int, path: str) -> tuple[str, bytes]:
    """GET a page as a new visitor: returns its ``Cookie`` header value and the page body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        cookies = [
            value.split(";", 1)[0]
            for name, value in response.getheaders()
            if name.lower() == "set-cookie"
        ]
        return "; ".join(cookies), body
    finally:
        conn.close()


# -- command line -----------------------------------------------------------------------------


def cli(run: Callable[[bool], list[Result]], description: str) -> None:
    """``python -m bench.<name> [--full]``: run one benchmark and print its table; exit 0."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--full", action="store_true", help="longer runs and more samples (default: quick)"
    )
    args = parser.parse_args()
    print_table(run(not args.full))
