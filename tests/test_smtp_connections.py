"""SMTP delivery reuses a few kept connections, and never loses or duplicates a message doing so.

A real aiosmtpd server runs in the test process and records what the client does with each of
its connections: which connection carried which message, and every MAIL, RSET and QUIT.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from mail_support import file_case, outbox_row
from support import free_port, make_settings

from portal.mail.transport import DeliveryError, SMTPTransport, parse_smtp_url
from portal.mail.worker import SENDING_AT_ONCE, OutboxWorker
from portal.services import Services

SENDER = "noreply@svar.localhost"


def _message(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = f"customer{n}@example.com"
    message["Subject"] = f"[K7M3-QX9T] Message {n}"
    message["Message-ID"] = f"<message-{n}@svar.localhost>"
    message.set_content(f"Hello number {n}")
    return message


class _Server:
    """aiosmtpd on a free port that records each connection's messages and commands.

    ``on_mail``/``on_data`` may replace the server's reply to MAIL FROM or to the end of DATA
    (``session_mails`` is how many MAIL commands that connection had sent before this one).
    """

    def __init__(self, port: int | None = None, **smtp_options: Any) -> None:
        self.port = port or free_port()
        self.smtp_options = smtp_options
        self.received: list[tuple[str, Any]] = []  # (Message-ID, the connection it came over)
        self.greeted: set[Any] = set()  # connections that sent EHLO
        self.commands: list[tuple[str, Any]] = []  # (MAIL, RSET or QUIT, connection)
        self.on_mail: Callable[[SMTP, int], Awaitable[str | None]] | None = None
        self.on_data: Callable[[SMTP, bytes], Awaitable[str | None]] | None = None
        self.refuse: dict[str, str] = {}  # recipient -> reply to RCPT TO
        self._open: list[SMTP] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?timeout=5"

    def start(self) -> None:
        server = self

        class Tracking(Controller):
            def factory(self) -> SMTP:
                smtp = super().factory()
                server._open.append(smtp)
                return smtp

        self._controller = Tracking(self, hostname="127.0.0.1", port=self.port, **self.smtp_options)
        self._controller.start()

    def restart(self) -> None:
        """Stop as a restarted server process does (every open connection closed), then start."""
        self.stop()
        self.start()

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        assert controller is not None
        open_connections, self._open = self._open, []

        def close_all() -> None:
            for smtp in open_connections:
                if smtp.transport is not None:
                    smtp.transport.close()

        controller.loop.call_soon_threadsafe(close_all)
        controller.stop()

    def mails(self) -> int:
        return sum(1 for command, _ in self.commands if command == "MAIL")

    def count(self, command: str) -> int:
        return sum(1 for name, _ in self.commands if name == command)

    def message_ids(self) -> list[str]:
        return [message_id for message_id, _ in self.received]

    # -- aiosmtpd handler hooks -------------------------------------------------------------

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        self.greeted.add(session.peer)
        session.host_name = hostname  # this form of the hook must say the client was greeted
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        before = sum(1 for c, peer in self.commands if c == "MAIL" and peer == session.peer)
        self.commands.append(("MAIL", session.peer))
        if self.on_mail is not None and (reply := await self.on_mail(server, before)):
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.005)  # a server takes a moment: sends overlap, as in production
        if self.on_data is not None and (reply := await self.on_data(server, envelope.content)):
            return reply
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((str(parsed["Message-ID"]), session.peer))
        return "250 Message accepted for delivery"

    async def handle_RSET(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.commands.append(("RSET", session.peer))
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.commands.append(("QUIT", session.peer))
        return "221 Bye"


@pytest.fixture
def server() -> Any:
    smtp = _Server()
    smtp.start()
    yield smtp
    if smtp._controller is not None:
        smtp.stop()


def _transport(server: _Server, **options: Any) -> SMTPTransport:
    return SMTPTransport(parse_smtp_url(server.url), **options)


async def _send(transport: SMTPTransport, n: int) -> None:
    await transport.send(_message(n), sender=SENDER, recipients=[f"customer{n}@example.com"])


async def _send_all(transport: SMTPTransport, numbers: range) -> None:
    """As the outbox worker sends a batch: at most ``SENDING_AT_ONCE`` messages in flight."""
    sending = asyncio.Semaphore(SENDING_AT_ONCE)

    async def one(n: int) -> None:
        async with sending:
            await _send(transport, n)

    await asyncio.gather(*(one(n) for n in numbers))


def _ids(numbers: range | list[int]) -> list[str]:
    return [f"<message-{n}@svar.localhost>" for n in numbers]


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_batch_goes_over_far_fewer_connections_than_messages(server: _Server) -> None:
    transport = _transport(server)

    async def scenario() -> None:
        await _send_all(transport, range(60))
        await _send_all(transport, range(60, 90))  # the next batch reuses the same connections
        await transport.aclose()

    asyncio.run(scenario())

    assert sorted(server.message_ids()) == sorted(_ids(range(90)))  # each once
    connections = {peer for _, peer in server.received}
    assert 1 <= len(connections) <= SENDING_AT_ONCE
    assert server.greeted == connections  # no connection opened that did not carry mail
    # Each connection carried one message at a time: nothing was refused or reset on the way.
    assert server.count("RSET") == 0
    # Closing the transport says goodbye on every connection.
    assert Counter(peer for c, peer in server.commands if c == "QUIT") == dict.fromkeys(
        connections, 1
    )


def test_an_idle_connection_is_closed_with_quit_and_the_next_message_opens_a_new_one(
    server: _Server,
) -> None:
    transport = _transport(server, idle_close=0.2)

    async def scenario() -> None:
        await _send(transport, 1)
        await asyncio.sleep(0.1)
        await _send(transport, 2)  # still kept: the same connection
        await asyncio.to_thread(_wait_for, lambda: server.count("QUIT") == 1)
        await _send(transport, 3)
        await transport.aclose()

    asyncio.run(scenario())

    assert server.message_ids() == _ids([1, 2, 3])
    first, second, third = (peer for _, peer in server.received)
    assert first == second != third
    assert server.count("QUIT") == 2


def test_a_server_that_dropped_an_idle_connection_still_gets_the_next_message_once() -> None:
    server = _Server(timeout=0.3)  # the server hangs up on a client silent for 0.3 s
    server.start()
    transport = _transport(server)  # keeps connections for 5 s, longer than the server
    try:

        async def scenario() -> None:
            await _send(transport, 1)
            await asyncio.sleep(0.8)
            await _send(transport, 2)

        asyncio.run(scenario())
    finally:
        server.stop()

    assert server.message_ids() == _ids([1, 2])
    assert len(server.greeted) == 2


@pytest.mark.parametrize("goodbye", [None, "421 4.4.2 Idle too long, closing connection"])
def test_a_connection_closed_as_the_next_message_starts_is_retried_once_on_a_fresh_one(
    server: _Server, goodbye: str | None
) -> None:
    """The server hangs up when a kept connection's MAIL FROM arrives (with or without a 421)."""
    hang_up_always = False

    async def hang_up_on_reuse(smtp: SMTP, mails_before: int) -> str | None:
        if mails_before == 0 and not hang_up_always:
            return None
        if goodbye:
            await smtp.push(goodbye)
        smtp.transport.close()
        return goodbye or "250 OK"  # never reaches the client

    server.on_mail = hang_up_on_reuse
    transport = _transport(server)

    async def scenario() -> None:
        nonlocal hang_up_always
        await _send(transport, 1)
        await _send(transport, 2)  # the kept connection fails at MAIL FROM: a new one carries it
        # When the fresh connection fails too, it is not tried again: the message waits.
        hang_up_always = True
        with pytest.raises(DeliveryError) as info:
            await _send(transport, 3)
        assert not info.value.permanent
        await transport.aclose()

    asyncio.run(scenario())

    assert server.message_ids() == _ids([1, 2])
    assert len(server.greeted) == 3
    assert server.mails() == 1 + 2 + 2


def test_a_server_that_limits_messages_per_connection_gets_every_message(
    server: _Server,
) -> None:
    """Some servers take a few messages per connection, then answer MAIL FROM with a 4xx."""

    async def two_per_connection(smtp: SMTP, mails_before: int) -> str | None:
        return "451 4.7.0 Too many messages on this connection" if mails_before >= 2 else None

    server.on_mail = two_per_connection
    transport = _transport(server)

    async def scenario() -> None:
        for n in range(5):
            await _send(transport, n)
        await transport.aclose()

    asyncio.run(scenario())

    assert server.message_ids() == _ids(range(5))
    assert len(server.greeted) == 3


def test_a_message_is_never_sent_again_once_its_data_went_out(server: _Server) -> None:
    """The connection breaks after the message's DATA: reported undelivered, sent only once."""

    async def accept_then_hang_up(smtp: SMTP, content: bytes) -> str | None:
        parsed = message_from_bytes(content, policy=policy.default)
        server.received.append((str(parsed["Message-ID"]), smtp.session.peer))
        smtp.transport.close()
        return "250 OK"  # never reaches the client

    transport = _transport(server)

    async def scenario() -> None:
        await _send(transport, 1)
        server.on_data = accept_then_hang_up
        with pytest.raises(DeliveryError) as info:
            await _send(transport, 2)
        assert not info.value.permanent  # the outbox will try it again later
        server.on_data = None
        await _send(transport, 3)  # the broken connection is not reused
        await transport.aclose()

    asyncio.run(scenario())

    assert server.message_ids() == _ids([1, 2, 3])
    assert server.mails() == 3
    peers = [peer for _, peer in server.received]
    assert peers[0] == peers[1] != peers[2]


def test_a_server_restart_between_batches_loses_nothing(server: _Server) -> None:
    transport = _transport(server)

    async def scenario() -> None:
        await _send_all(transport, range(20))
        await asyncio.to_thread(server.restart)
        await _send_all(transport, range(20, 40))
        await transport.aclose()

    asyncio.run(scenario())

    assert sorted(server.message_ids()) == sorted(_ids(range(40)))


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("550 5.1.1 No such user", True), ("450 4.2.1 Mailbox busy, try later", False)],
)
def test_a_refused_recipient_then_the_next_message_on_the_same_transport(
    server: _Server, reply: str, permanent: bool
) -> None:
    server.refuse["nobody@example.com"] = reply
    transport = _transport(server)

    async def scenario() -> None:
        await _send(transport, 1)
        with pytest.raises(DeliveryError) as info:
            await transport.send(_message(2), sender=SENDER, recipients=["nobody@example.com"])
        assert info.value.permanent is permanent
        assert reply.split()[0] in str(info.value)
        await _send(transport, 3)
        await transport.aclose()

    asyncio.run(scenario())

    assert server.message_ids() == _ids([1, 3])
    # The refused envelope was reset, and the connection went on to carry the next message.
    assert server.count("RSET") == 1
    assert len(server.greeted) == 1


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("554 5.6.0 Message refused", True), ("452 4.3.1 Insufficient storage", False)],
)
def test_a_refused_message_then_the_next_one_on_the_same_transport(
    server: _Server, reply: str, permanent: bool
) -> None:
    async def refuse_message_2(smtp: SMTP, content: bytes) -> str | None:
        return reply if b"message-2@" in content else None

    server.on_data = refuse_message_2
    transport = _transport(server)

    async def scenario() -> None:
        await _send(transport, 1)
        with pytest.raises(DeliveryError) as info:
            await _send(transport, 2)
        assert info.value.permanent is permanent
        await _send(transport, 3)
        await transport.aclose()

    asyncio.run(scenario())

    assert server.message_ids() == _ids([1, 3])
    assert len(server.greeted) == 1


def test_a_transport_moved_to_a_new_event_loop_starts_afresh(server: _Server) -> None:
    """The worker's rounds in tests and in ``portal worker`` may each run their own loop."""
    transport = _transport(server)
    asyncio.run(_send_all(transport, range(5)))
    asyncio.run(_send_all(transport, range(5, 10)))

    assert sorted(server.message_ids()) == sorted(_ids(range(10)))


def test_stopping_the_worker_closes_its_connections(
    tmp_path: Path, sqlite_url: str, server: _Server
) -> None:
    services = Services.build(make_settings(tmp_path, sqlite_url, smtp_url=server.url))
    try:
        queued = file_case(services)

        async def scenario() -> None:
            worker = OutboxWorker(services, poll_interval=0.1)
            await worker.start()
            try:
                for _ in range(300):
                    row = await services.run(outbox_row, services, queued.outbox_id)
                    if row.status == "sent":
                        break
                    await asyncio.sleep(0.05)
            finally:
                await worker.stop()

        asyncio.run(scenario())
    finally:
        services.close()

    assert server.message_ids() == [queued.message_id]
    assert server.count("QUIT") == 1
