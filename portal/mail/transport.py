"""Where email goes: a real SMTP server (aiosmtplib), or the dev mail sink on disk.

A transport either returns — the message was accepted — or raises ``DeliveryError`` saying whether
trying again could help. The worker never marks a message sent on anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from aiosmtplib.email import flatten_message, parse_address
from aiosmtplib.protocol import normalize_message_line_endings

from portal.settings import Settings, SettingsError


class DeliveryError(Exception):
    """The message was not accepted; ``permanent`` when the server refused it for good (5xx)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    async def send(
        self, message: bytes | EmailMessage, *, sender: str, recipients: list[str]
    ) -> None:
        """Hand ``message`` (its bytes as sent, or a message object) over.

        Raise ``DeliveryError`` unless it was accepted.
        """

    async def aclose(self) -> None:
        """Let go of whatever the transport keeps open (connections); it stays usable."""


# -- SMTP -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SMTPConfig:
    hostname: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False  # smtps:// — TLS from the first byte
    start_tls: bool | None = None  # True: required, False: never, None: when the server offers it
    timeout: float = 30.0
    tls_context: ssl.SSLContext | None = None  # e.g. to trust a private CA; default: system CAs


SMTP_OPTIONS = ("starttls", "timeout")
_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse_smtp_url(url: str) -> SMTPConfig:
    """``smtp://user:pass@host:port?starttls=1``, ``smtps://…`` (user and password %-encoded).

    Query options: ``starttls=1`` (require STARTTLS) or ``starttls=0`` (plain, never upgrade);
    without it STARTTLS is used when the server offers it. ``timeout=SECONDS`` (default 30).
    Anything else is refused with a ``SettingsError`` naming the variable; the message never
    repeats the URL, which may hold a password.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        scheme = f"{parts.scheme}://" if parts.scheme else "no scheme"
        raise _bad(f"must start with smtp:// or smtps://, not {scheme}")
    if not parts.hostname:
        raise _bad("has no host name (smtp://host or smtp://user:pass@host:port)")
    try:
        port = parts.port
    except ValueError:
        raise _bad("has a port that is not a number from 1 to 65535") from None
    if port == 0:
        raise _bad("has a port that is not a number from 1 to 65535")
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - set(SMTP_OPTIONS))
    if unknown:
        raise _bad(f"has an unknown option {unknown[0]!r}; the options are starttls and timeout")
    use_tls = parts.scheme == "smtps"
    start_tls: bool | None = None
    if "starttls" in query:
        value = query["starttls"].strip().lower()
        if value not in _YES + _NO:
            raise _bad(f"has starttls={query['starttls']!r}; write starttls=1 or starttls=0")
        start_tls = value in _YES
    if use_tls and start_tls:
        raise _bad("uses smtps://, which already uses TLS; drop ?starttls=1")
    if use_tls:
        start_tls = False
    try:
        timeout = float(query.get("timeout", 30))
    except ValueError:
        timeout = -1.0
    if not 0 < timeout < float("inf"):
        raise _bad(f"has timeout={query['timeout']!r}; write a number of seconds above 0")
    default_port = 465 if use_tls else (587 if start_tls else 25)
    return SMTPConfig(
        hostname=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=use_tls,
        start_tls=start_tls,
        timeout=timeout,
    )


def _bad(problem: str) -> SettingsError:
    return SettingsError(f"PORTAL_SMTP_URL {problem}.")


# Connections kept open; the outbox worker sends as many messages at once (SENDING_AT_ONCE).
MAX_CONNECTIONS = 10
IDLE_CLOSE = 5.0  # seconds a kept connection may sit unused before it is closed with QUIT
QUIT_TIMEOUT = 5.0  # seconds to wait for the server's goodbye before just closing


class SMTPTransport:
    """Delivers over a few SMTP connections kept open, each carrying one message at a time.

    Opening a connection (greeting, EHLO, often STARTTLS and AUTH) costs more than the message
    it carries, so a burst of acknowledgements shares at most ``max_connections`` of them — as
    many as the outbox worker sends at once. A connection unused for ``idle_close`` seconds is
    closed with QUIT, so nothing goes stale between bursts; ``aclose`` closes the rest.

    The server may still have closed a kept connection (its own idle timeout, a restart) or
    refuse more on it (4xx): that shows before MAIL FROM is accepted, and the message then goes
    over a fresh connection, once.
    Nothing is ever sent again once its DATA went out. A connection that failed in any way is
    dropped; after a refused recipient or message it is reset (RSET) before the next message.
    One transport serves one event loop at a time; on another loop it starts afresh.
    """

    def __init__(
        self,
        config: SMTPConfig,
        *,
        max_connections: int = MAX_CONNECTIONS,
        idle_close: float = IDLE_CLOSE,
    ) -> None:
        self.config = config
        self.max_connections = max_connections
        self.idle_close = idle_close
        self._pool: _Pool | None = None
        self._local_hostname: str | None = None  # asked of the system once, not per connection

    @classmethod
    def from_url(cls, url: str) -> SMTPTransport:
        return cls(parse_smtp_url(url))

    async def send(
        self, message: bytes | EmailMessage, *, sender: str, recipients: list[str]
    ) -> None:
        # Addresses that cannot go on an SMTP command line are refused before any connection.
        if not recipients:
            raise ValueError("a message needs at least one recipient")
        for address in (sender, *recipients):
            parse_address(address)
        try:
            await self._send(message, sender, recipients)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            raise DeliveryError(
                f"recipient refused: {detail}", permanent=all(c >= 500 for c in codes)
            ) from exc
        except (aiosmtplib.SMTPRecipientRefused, aiosmtplib.SMTPDataError) as exc:
            raise DeliveryError(
                f"refused: {exc.code} {exc.message}", permanent=exc.code >= 500
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # Authentication, sender or greeting problems are our configuration, not this
            # message: keep it queued until the configuration is fixed.
            raise DeliveryError(f"SMTP error {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc

    async def aclose(self) -> None:
        """Close every kept connection with QUIT (when the worker stops); later sends reconnect."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close_all()

    async def _send(
        self, message: bytes | EmailMessage, sender: str, recipients: list[str]
    ) -> None:
        pool = self._current_pool()
        async with pool.slots:
            smtp = pool.take()
            if smtp is not None:
                try:
                    await self._transaction(pool, smtp, message, sender, recipients, reused=True)
                    return
                except _Stale:
                    pass  # the kept connection is gone or takes no more: nothing was accepted
            smtp = await self._connect()
            await self._transaction(pool, smtp, message, sender, recipients, reused=False)

    def _current_pool(self) -> _Pool:
        loop = asyncio.get_running_loop()
        pool = self._pool
        if pool is None or pool.loop is not loop or pool.closed:
            if pool is not None:
                pool.abandon()  # its loop has ended: nothing can be said to the server any more
            pool = self._pool = _Pool(loop, self.max_connections, self.idle_close, self._quit)
        return pool

    async def _connect(self) -> aiosmtplib.SMTP:
        """A new connection, greeted (EHLO), upgraded (STARTTLS) and authenticated as configured."""
        c = self.config
        smtp = aiosmtplib.SMTP(
            hostname=c.hostname,
            port=c.port,
            username=c.username,
            password=c.password if c.username else None,
            use_tls=c.use_tls,
            start_tls=c.start_tls,
            timeout=c.timeout,
            tls_context=c.tls_context,
            local_hostname=self._local_hostname,
        )
        await smtp.connect()
        try:
            if smtp.is_ehlo_or_helo_needed:
                try:
                    await smtp.ehlo()
                except aiosmtplib.SMTPHeloError:
                    await smtp.helo()
        except BaseException:
            smtp.close()
            raise
        self._local_hostname = smtp.local_hostname
        return smtp

    async def _transaction(
        self,
        pool: _Pool,
        smtp: aiosmtplib.SMTP,
        message: bytes | EmailMessage,
        sender: str,
        recipients: list[str],
        *,
        reused: bool,
    ) -> None:
        """MAIL, RCPT, DATA on ``smtp``; then keep the connection for the next message or drop it.

        Raises ``_Stale`` when a kept connection turns out closed, or no longer taking mail,
        before MAIL FROM was accepted.
        """
        keep = False
        try:
            data, options, encoding = _envelope(smtp, message, sender, recipients)
            try:
                await smtp.mail(sender, options=options, encoding=encoding)
            except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
                if reused:
                    raise _Stale from exc
                raise
            except aiosmtplib.SMTPResponseException as exc:
                # 421 "closing", or a server's limit of messages per connection ("451 too many
                # messages"): a fresh connection may well take it; a 5xx refusal would not.
                if reused and 400 <= exc.code < 500:
                    raise _Stale from exc
                raise
            refused: list[aiosmtplib.SMTPRecipientRefused] = []
            for recipient in recipients:
                try:
                    await smtp.rcpt(recipient, encoding=encoding)
                except aiosmtplib.SMTPRecipientRefused as exc:
                    refused.append(exc)
            if len(refused) == len(recipients):
                keep = await _reset(smtp)
                raise aiosmtplib.SMTPRecipientsRefused(refused)
            try:
                await smtp.data(data)
            except aiosmtplib.SMTPDataError:
                keep = await _reset(smtp)
                raise
            keep = True
        finally:
            if keep:
                pool.give_back(smtp)
            else:
                smtp.close()

    async def _quit(self, smtp: aiosmtplib.SMTP) -> None:
        """Say goodbye to an idle connection; a server that does not answer is simply left."""
        try:
            await smtp.quit(timeout=min(self.config.timeout, QUIT_TIMEOUT))
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            pass
        finally:
            smtp.close()


class _Stale(Exception):
    """A kept connection was closed, or refused MAIL FROM for now (4xx), before any message."""


def _envelope(
    smtp: aiosmtplib.SMTP, message: bytes | EmailMessage, sender: str, recipients: list[str]
) -> tuple[bytes, list[str], str]:
    """The bytes to send, the MAIL FROM options and the address encoding, as aiosmtplib chooses.

    Bytes go as they are (``SIZE`` when the server takes it); a message object is flattened for
    what the server offers (8BITMIME, SMTPUTF8), as ``aiosmtplib.send`` does.
    """
    options: list[str] = []
    encoding = "ascii"
    if isinstance(message, bytes):
        data = message
    else:
        if not all(address.isascii() for address in (sender, *recipients)):
            if not smtp.supports_extension("smtputf8"):
                raise aiosmtplib.SMTPNotSupported(
                    "an address has non-ASCII characters; the server does not offer SMTPUTF8"
                )
            options.append("SMTPUTF8")
            encoding = "utf-8"
        eight_bit = smtp.supports_extension("8bitmime")
        if eight_bit:
            options.append("BODY=8BITMIME")
        data = flatten_message(
            message, utf8=encoding == "utf-8", cte_type="8bit" if eight_bit else "7bit"
        )
    if smtp.supports_extension("size"):
        options.insert(0, f"SIZE={len(normalize_message_line_endings(data))}")
    return data, options, encoding


async def _reset(smtp: aiosmtplib.SMTP) -> bool:
    """RSET after a refusal; whether the connection can take the next message."""
    try:
        await smtp.rset()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        return False
    return smtp.is_connected


class _Pool:
    """The connections of one event loop: at most ``size`` in all, idle ones newest last."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        size: int,
        idle_close: float,
        quit: Callable[[aiosmtplib.SMTP], Awaitable[None]],
    ) -> None:
        self.loop = loop
        self.slots = asyncio.Semaphore(size)  # one message per connection at a time
        self.idle_close = idle_close
        self._quit = quit
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []  # (when put back, connection)
        self._reaper: asyncio.Task[None] | None = None
        self.closed = False  # once True, connections put back are closed, not kept

    def take(self) -> aiosmtplib.SMTP | None:
        """The most recently used connection that is still open, if any."""
        while self._idle:
            _, smtp = self._idle.pop()
            if smtp.is_connected:
                return smtp
            smtp.close()
        return None

    def give_back(self, smtp: aiosmtplib.SMTP) -> None:
        if self.closed or not smtp.is_connected:
            smtp.close()
            return
        self._idle.append((self.loop.time(), smtp))
        if self._reaper is None or self._reaper.done():
            self._reaper = self.loop.create_task(self._close_idle(), name="smtp-idle-close")

    async def _close_idle(self) -> None:
        """QUIT every connection once it has been idle for ``idle_close`` seconds."""
        try:
            while self._idle:
                wait = self._idle[0][0] + self.idle_close - self.loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                    continue
                _, smtp = self._idle.pop(0)
                await self._quit(smtp)
        except asyncio.CancelledError:
            self.abandon()  # the loop is ending (asyncio.run): close without goodbyes
            raise

    async def close_all(self) -> None:
        self.closed = True
        if self._reaper is not None:
            self._reaper.cancel()
        idle, self._idle = self._idle, []
        await asyncio.gather(*(self._quit(smtp) for _, smtp in idle))

    def abandon(self) -> None:
        self.closed = True
        idle, self._idle = self._idle, []
        for _, smtp in idle:
            with contextlib.suppress(Exception):
                smtp.close()


# -- the dev mail sink ----------------------------------------------------------------------------

_SINK_ID = re.compile(r"^\d{20}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class StoredMail:
    id: str
    message: EmailMessage


class DevMailSink:
    """Keeps every message as an ``.eml`` file under ``<data_dir>/mail`` (shown at ``/dev/mail``).

    Files survive restarts, and any mail client can open them.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_settings(cls, settings: Settings) -> DevMailSink:
        return cls(settings.data_dir / "mail")

    async def send(
        self, message: bytes | EmailMessage, *, sender: str, recipients: list[str]
    ) -> None:
        try:
            self.store(message)
        except OSError as exc:
            raise DeliveryError(f"dev mail sink: {exc}") from exc

    async def aclose(self) -> None:
        """Nothing to close: every message is a file written in full."""

    def store(self, message: bytes | EmailMessage) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        mail_id = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
        target = self.folder / f"{mail_id}.eml"
        partial = self.folder / f".{mail_id}.tmp"
        data = message if isinstance(message, bytes) else message.as_bytes(policy=policy.SMTP)
        partial.write_bytes(data)
        os.replace(partial, target)  # readers never see half a message
        return mail_id

    def ids(self, limit: int = 200) -> list[str]:
        """Newest first."""
        if not self.folder.is_dir():
            return []
        found = sorted(
            (p.stem for p in self.folder.glob("*.eml") if _SINK_ID.match(p.stem)), reverse=True
        )
        return found[:limit]

    def get(self, mail_id: str) -> StoredMail | None:
        if not _SINK_ID.match(mail_id):
            return None
        path = self.folder / f"{mail_id}.eml"
        if not path.is_file():
            return None
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        return StoredMail(mail_id, parsed)  # type: ignore[arg-type]

    def latest(self, limit: int = 200) -> list[StoredMail]:
        return [m for m in (self.get(i) for i in self.ids(limit)) if m is not None]


def make_transport(settings: Settings) -> Transport:
    """SMTP when ``PORTAL_SMTP_URL`` is set, otherwise the dev mail sink."""
    if settings.smtp_url:
        return SMTPTransport.from_url(settings.smtp_url)
    return DevMailSink.for_settings(settings)
