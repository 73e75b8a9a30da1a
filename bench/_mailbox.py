"""A real SMTP server for the benchmarks: aiosmtpd on 127.0.0.1, in the benchmark's process.

The portal under test delivers to it through ``PORTAL_SMTP_URL``, as a deployment delivers to its
mail relay, so the CPU a benchmark charges to the portal includes the SMTP conversation.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from bench._harness import free_port


class Mailbox:
    """Records when each recipient's message was accepted, and how many connections came."""

    def __init__(self) -> None:
        self.port = free_port()
        self.accepted: dict[str, list[float]] = {}
        self.connections = 0
        self._lock = threading.Lock()
        self._controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def count(self) -> int:
        with self._lock:
            return sum(len(v) for v in self.accepted.values())

    def __enter__(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        mailbox = self

        class Handler:
            async def handle_EHLO(self, _server, session, _envelope, hostname, responses):  # type: ignore[no-untyped-def]
                with mailbox._lock:
                    mailbox.connections += 1
                session.host_name = hostname
                return responses

            async def handle_DATA(self, _server, _session, envelope):  # type: ignore[no-untyped-def]
                now = time.perf_counter()
                with mailbox._lock:
                    for rcpt in envelope.rcpt_tos:
                        mailbox.accepted.setdefault(rcpt.lower(), []).append(now)
                return "250 Message accepted for delivery"

        self._controller = Controller(
            Handler(), hostname="127.0.0.1", port=self.port, server_hostname="bench.localhost"
        )
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
