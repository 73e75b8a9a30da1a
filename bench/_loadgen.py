"""A lean HTTP/1.1 load generator: pre-built requests over keep-alive connections.

Why not wrk: a timed wrk run stops with requests in flight, so the number of committed cases can
only be bounded, not matched, against the number of 303 responses. This client stops *sending* at
the deadline and waits for every answer, so "cases in the database == 303 responses" is exact.
It does no per-request work beyond writing pre-encoded bytes and reading one response, and it
reports its own CPU time so a reader can check that it did not starve the server.

Run as a separate process for throughput (``python -m bench._loadgen < spec.json``), or call
``run_open_loop`` in-process for a paced, moderate-rate run.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Outcome:
    """What happened to one request: its index, when it was sent and answered, and the status."""

    index: int
    sent: float
    done: float
    status: int
    location: str = ""


@dataclass
class RunStats:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    first_sent: float = 0.0
    last_done: float = 0.0


def write_bodies(path: str, bodies: Sequence[bytes]) -> None:
    """Request bodies, each prefixed with its length (4 bytes, big-endian)."""
    with open(path, "wb") as fh:
        for body in bodies:
            fh.write(len(body).to_bytes(4, "big"))
            fh.write(body)


def read_bodies(path: str) -> list[bytes]:
    with open(path, "rb") as fh:
        data = fh.read()
    bodies, offset = [], 0
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        bodies.append(data[offset + 4 : offset + 4 + length])
        offset += 4 + length
    return bodies


def build_requests(
    method: str,
    path: str,
    host: str,
    headers: Sequence[tuple[str, str]],
    bodies: Sequence[bytes],
) -> list[bytes]:
    """Encode every request once, up front, so sending costs one ``write``."""
    fixed = "".join(f"{name}: {value}\r\n" for name, value in headers)
    head = f"{method} {path} HTTP/1.1\r\nhost: {host}\r\n{fixed}"
    out = []
    for body in bodies:
        if body or method not in ("GET", "HEAD"):
            out.append(f"{head}content-length: {len(body)}\r\n\r\n".encode() + body)
        else:
            out.append(f"{head}\r\n".encode())
    return out


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
    """Status, raw header block (lower-cased) and body (as sent: no decompression)."""
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = int(head[9:12])
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        end = head.index(b"\r\n", marker + 2)
        length = int(head[marker + 17 : end])
        body = await reader.readexactly(length) if length else b""
    elif b"\r\ntransfer-encoding: chunked" in head:
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(chunks)
    else:
        body = b""
    return status, head, body


def _location(head: bytes) -> str:
    marker = head.find(b"\r\nlocation:")
    if marker < 0:
        return ""
    end = head.index(b"\r\n", marker + 2)
    return head[marker + 11 : end].strip().decode("latin-1")


def _client_addresses() -> Iterator[str]:
    """Source addresses 127.1.0.1, 127.1.0.2, ...: all of 127/8 is loopback on Linux."""
    for n in itertools.count(1):
        yield f"127.{1 + n // 65024 % 254}.{n // 254 % 256}.{1 + n % 254}"


_ADDRESSES = _client_addresses()
IDLE_REUSE_SECONDS = 3.0


class _Connection:
    """A keep-alive connection that, like a real visitor, goes away after a few requests.

    Every ``requests_per_client`` requests it reconnects from a new loopback address, so per-client
    state on the server (the rate limiter's history of each address) stays the size it would be
    with many customers instead of growing with the length of the run.
    """

    def __init__(self, host: str, port: int, requests_per_client: int = 100) -> None:
        self.host, self.port = host, port
        self.requests_per_client = requests_per_client
        self.used = 0
        self.last_used = time.monotonic()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        # uvicorn closes a keep-alive connection after 5 idle seconds; like a browser, do not
        # send on one that may be closing under us.
        stale = time.monotonic() - self.last_used > IDLE_REUSE_SECONDS
        if self.writer is not None and (self.used >= self.requests_per_client or stale):
            self.close()
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, local_addr=(next(_ADDRESSES), 0)
            )
            self.used = 0
        assert self.reader is not None
        self.used += 1
        self.writer.write(request)
        status, head, _ = await read_response(self.reader)
        self.last_used = time.monotonic()
        if b"\r\nconnection: close" in head:
            self.close()
        return status, head

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _send(
    conn: _Connection, index: int, request: bytes, stats: RunStats, record: bool
) -> None:
    sent = time.perf_counter()
    try:
        status, head = await conn.exchange(request)
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        conn.close()
        stats.errors[type(exc).__name__] += 1
        return
    done = time.perf_counter()
    stats.statuses[status] += 1
    stats.latencies.append(done - sent)
    stats.last_done = max(stats.last_done, done)
    if record:
        stats.outcomes.append(Outcome(index, sent, done, status, _location(head)))


async def run_closed_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    duration: float,
    record: bool = False,
) -> RunStats:
    """``connections`` clients each send their next request as soon as the last is answered.

    Sending stops at ``duration`` or when the requests run out; answers in flight are awaited.
    """
    stats = RunStats()
    cursor = iter(range(len(requests)))
    start = time.perf_counter()
    deadline = start + duration
    stats.first_sent = start

    async def client() -> None:
        conn = _Connection(host, port)
        for index in cursor:
            if time.perf_counter() >= deadline:
                break
            await _send(conn, index, requests[index], stats, record)
        conn.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return stats


async def run_open_loop(
    host: str, port: int, requests: Sequence[bytes], *, rate: float, record: bool = True
) -> RunStats:
    """Send request *i* at ``i / rate`` seconds whether or not earlier ones were answered."""
    stats = RunStats()
    idle: list[_Connection] = []
    start = time.perf_counter()
    stats.first_sent = start

    async def one(index: int) -> None:
        conn = idle.pop() if idle else _Connection(host, port)
        await _send(conn, index, requests[index], stats, record)
        idle.append(conn)

    tasks = []
    for index in range(len(requests)):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return stats


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Read a JSON spec on stdin, run a closed loop, print a JSON summary on stdout.

    Spec: host, port, method, path, headers [[name, value]...], bodies_file (``write_bodies``),
    connections, duration, record (bool).
    """
    spec: dict[str, Any] = json.load(sys.stdin)
    bodies = read_bodies(spec["bodies_file"])
    requests = build_requests(
        spec["method"],
        spec["path"],
        f"{spec['host']}:{spec['port']}",
        [tuple(h) for h in spec["headers"]],
        bodies,
    )
    cpu_before = _cpu()
    stats = asyncio.run(
        run_closed_loop(
            spec["host"],
            spec["port"],
            requests,
            connections=spec["connections"],
            duration=spec["duration"],
            record=spec.get("record", False),
        )
    )
    cpu = _cpu() - cpu_before
    json.dump(
        {
            "statuses": {str(k): v for k, v in stats.statuses.items()},
            "errors": dict(stats.errors),
            "latencies": stats.latencies,
            "elapsed": stats.last_done - stats.first_sent,
            "client_cpu": cpu,
            "available": len(requests),
            "outcomes": [o.__dict__ for o in stats.outcomes],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
