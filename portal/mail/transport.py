"""Where email goes: a real SMTP server (aiosmtplib), or the dev mail sink on disk.

A transport either returns — the message was accepted — or raises ``DeliveryError`` saying whether
trying again could help. The worker never marks a message sent on anything else.
"""

from __future__ import annotations

import os
import re
import secrets
import ssl
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

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


class SMTPTransport:
    """One connection per message: simple, and nothing to go stale between bursts."""

    def __init__(self, config: SMTPConfig) -> None:
        self.config = config

    @classmethod
    def from_url(cls, url: str) -> SMTPTransport:
        return cls(parse_smtp_url(url))

    async def send(
        self, message: bytes | EmailMessage, *, sender: str, recipients: list[str]
    ) -> None:
        c = self.config
        try:
            await aiosmtplib.send(
                message,
                sender=sender,
                recipients=recipients,
                hostname=c.hostname,
                port=c.port,
                username=c.username,
                password=c.password if c.username else None,
                use_tls=c.use_tls,
                start_tls=c.start_tls,
                timeout=c.timeout,
                tls_context=c.tls_context,
            )
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
