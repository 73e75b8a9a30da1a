"""Queued email survives SMTP outages and is delivered exactly once, by any number of workers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import TestClient
from mail_support import drain, file_case, outbox_row, outbox_rows
from support import SMTPServer, free_port, make_settings

from portal.app import create_app
from portal.db.base import utcnow
from portal.mail.outbox import BACKOFF_CAP, backoff
from portal.mail.transport import DevMailSink
from portal.mail.worker import OutboxWorker
from portal.services import Services


@pytest.fixture
def smtp_services(tmp_path: Path, database_url: str, smtp_server):
    services = Services.build(make_settings(tmp_path, database_url, smtp_url=smtp_server.url))
    yield services
    services.close()


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


async def _await(condition, seconds: float = 45.0) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def test_message_waits_while_smtp_is_down(smtp_services, smtp_server) -> None:
    smtp_server.stop()
    queued = file_case(smtp_services)

    worker = OutboxWorker(smtp_services)
    assert asyncio.run(worker.run_once()) == 1

    row = outbox_row(smtp_services, queued.outbox_id)
    assert row.status == "pending"
    assert row.attempts == 1
    assert "unavailable" in row.last_error
    assert row.sent_at is None
    assert row.next_attempt_at > utcnow()
    assert asyncio.run(worker.run_once()) == 0  # not due again yet

    smtp_server.start()
    later = utcnow() + BACKOFF_CAP + timedelta(seconds=1)
    assert asyncio.run(worker.run_once(now=later)) == 1
    assert asyncio.run(worker.run_once(now=later)) == 0

    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == queued.message_id
    row = outbox_row(smtp_services, queued.outbox_id)
    assert row.status == "sent"
    assert row.attempts == 2


def test_running_worker_delivers_once_the_server_is_back(smtp_services, smtp_server) -> None:
    smtp_server.stop()
    queued = file_case(smtp_services)

    async def scenario() -> None:
        worker = OutboxWorker(smtp_services, poll_interval=0.2)
        await worker.start()
        try:

            async def failed_once() -> bool:
                row = await smtp_services.run(outbox_row, smtp_services, queued.outbox_id)
                return row.attempts >= 1

            await _await(failed_once)
            await asyncio.to_thread(smtp_server.start)

            async def sent() -> bool:
                row = await smtp_services.run(outbox_row, smtp_services, queued.outbox_id)
                return row.status == "sent"

            await _await(sent)
            smtp_services.outbox_changed()  # another round finds nothing left to send
            await asyncio.sleep(0.3)
        finally:
            await worker.stop()

    asyncio.run(scenario())

    assert [m["Message-ID"] for m in smtp_server.messages] == [queued.message_id]


def test_many_workers_deliver_every_message_exactly_once(
    tmp_path: Path, database_url: str, smtp_server
) -> None:
    settings = make_settings(tmp_path, database_url, smtp_url=smtp_server.url)
    fleet = [Services.build(settings) for _ in range(3)]
    try:
        queued = [
            file_case(fleet[0], email=f"customer{n}@example.com", lang=("en", "sv", "nb")[n % 3])
            for n in range(45)
        ]
        errors: list[BaseException] = []

        def work(services: Services) -> None:
            try:
                asyncio.run(OutboxWorker(services, batch_size=4).drain())
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(s,)) for s in fleet for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors

        received = sorted(m["Message-ID"] for m in smtp_server.messages)
        assert received == sorted(q.message_id for q in queued)
        assert {r.status for r in outbox_rows(fleet[0])} == {"sent"}
        assert {r.attempts for r in outbox_rows(fleet[0])} == {1}
    finally:
        for services in fleet:
            services.close()


class _Refusing:
    """An SMTP server that refuses one recipient with a given reply."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        return self.reply

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        return "250 OK"


@pytest.mark.parametrize(
    ("reply", "final_status"),
    [("550 5.1.1 No such user", "failed"), ("451 4.3.0 Try again later", "pending")],
)
def test_permanent_rejection_gives_up_temporary_keeps_trying(
    tmp_path: Path, sqlite_url: str, reply: str, final_status: str
) -> None:
    server = _Refusing(reply)
    server.controller.start()
    services = Services.build(
        make_settings(tmp_path, sqlite_url, smtp_url=f"smtp://127.0.0.1:{server.port}")
    )
    try:
        queued = file_case(services, email="nobody@example.com")
        worker = OutboxWorker(services)
        moment = utcnow()
        for _ in range(5):
            asyncio.run(worker.run_once(now=moment))
            moment += BACKOFF_CAP + timedelta(seconds=1)
        row = outbox_row(services, queued.outbox_id)
        assert row.status == final_status
        assert reply.split()[0] in row.last_error
        assert row.sent_at is None
        assert row.attempts == (3 if final_status == "failed" else 5)
    finally:
        services.close()
        server.controller.stop()


def test_retry_delay_doubles_and_is_capped_at_thirty_seconds() -> None:
    assert backoff(1) <= timedelta(seconds=1)
    assert timedelta(seconds=3) <= backoff(3) <= timedelta(seconds=4)
    assert all(backoff(n) <= BACKOFF_CAP for n in range(1, 60))
    assert backoff(40) >= BACKOFF_CAP * 0.8


def test_server_delivers_as_soon_as_a_message_is_queued(tmp_path: Path, database_url: str) -> None:
    server = SMTPServer()
    server.start()
    settings = make_settings(tmp_path, database_url, smtp_url=server.url, outbox_in_process=True)
    services = Services.build(settings)
    try:
        with TestClient(create_app(settings, services)):
            queued = file_case(services)  # commits, then calls services.outbox_changed()
            _wait_for(lambda: len(server.messages) == 1)
            _wait_for(lambda: outbox_row(services, queued.outbox_id).status == "sent")
        assert server.messages[0]["Message-ID"] == queued.message_id
    finally:
        services.close()
        server.stop()


def test_without_smtp_messages_are_kept_in_the_dev_mail_sink(services: Services) -> None:
    queued = file_case(services)

    assert drain(services) == 1

    kept = DevMailSink.for_settings(services.settings).latest()  # a fresh sink: survives restarts
    assert len(kept) == 1
    assert kept[0].message["Message-ID"] == queued.message_id
    assert queued.reference in kept[0].message["Subject"]
    assert outbox_row(services, queued.outbox_id).status == "sent"


def test_portal_worker_command_delivers_until_stopped(
    tmp_path: Path, sqlite_url: str, smtp_server
) -> None:
    settings = make_settings(tmp_path, sqlite_url, smtp_url=smtp_server.url)
    services = Services.build(settings)
    try:
        queued = file_case(services)
        env = {
            **os.environ,
            "PORTAL_DATABASE_URL": sqlite_url,
            "PORTAL_DATA_DIR": str(settings.data_dir),
            "PORTAL_SECRET_KEY": settings.secret_key,
            "PORTAL_SMTP_URL": smtp_server.url,
            "PORTAL_BASE_URL": settings.base_url,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "portal", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(lambda: outbox_row(services, queued.outbox_id).status == "sent")
            # A complaint made while the worker is idle: no one wakes a separate process, it
            # has to notice the new row by itself.
            later = file_case(services)
            _wait_for(lambda: outbox_row(services, later.outbox_id).status == "sent")
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output.decode()
        assert [m["Message-ID"] for m in smtp_server.messages] == [
            queued.message_id,
            later.message_id,
        ]
    finally:
        services.close()
