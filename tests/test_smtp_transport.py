"""PORTAL_SMTP_URL reaches real SMTP servers: plain, STARTTLS, implicit TLS and AUTH."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from support import free_port

from portal.mail.transport import DeliveryError, SMTPTransport, parse_smtp_url
from portal.settings import Settings, SettingsError


def test_smtp_url_forms() -> None:
    plain = parse_smtp_url("smtp://mail.example.com")
    assert (plain.hostname, plain.port, plain.use_tls, plain.username) == (
        "mail.example.com",
        25,
        False,
        None,
    )
    starttls = parse_smtp_url("smtp://u%40example.com:p%3As%2Fw%25d@mail.example.com?starttls=1")
    assert (starttls.port, starttls.start_tls, starttls.use_tls) == (587, True, False)
    assert (starttls.username, starttls.password) == ("u@example.com", "p:s/w%d")
    never = parse_smtp_url("smtp://relay.internal:2525?starttls=0&timeout=5")
    assert (never.port, never.start_tls, never.timeout) == (2525, False, 5.0)
    implicit = parse_smtp_url("smtps://user:secret@mail.example.com")
    assert (implicit.port, implicit.use_tls, implicit.start_tls) == (465, True, False)
    for bad in ("http://mail.example.com", "smtp://", "smtps://h?starttls=1"):
        with pytest.raises(ValueError, match="PORTAL_SMTP_URL"):
            parse_smtp_url(bad)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("mail.example.com:587", "must start with smtp:// or smtps://"),
        ("smtp://user:s3cret@mail.example.com:58x7", "port that is not a number"),
        ("smtp://user:s3cret@mail.example.com:99999", "port that is not a number"),
        ("smtp://user:s3cret@:587", "has no host name"),
        ("smtp://user:s3cret@mail.example.com?starttls=required", "starttls=1 or starttls=0"),
        ("smtp://user:s3cret@mail.example.com?tls=1", "unknown option 'tls'"),
        ("smtp://user:s3cret@mail.example.com?timeout=soon", "number of seconds"),
        ("smtp://user:s3cret@mail.example.com?timeout=0", "number of seconds"),
        ("smtps://user:s3cret@mail.example.com?starttls=1", "drop ?starttls=1"),
    ],
)
def test_a_bad_smtp_url_stops_the_start_and_says_what_is_wrong(url: str, problem: str) -> None:
    settings = Settings.from_env({"PORTAL_SMTP_URL": url})
    with pytest.raises(SettingsError, match="PORTAL_SMTP_URL") as info:
        settings.check()
    assert problem in str(info.value)
    assert "s3cret" not in str(info.value)  # the message may end up in a log


def test_a_good_smtp_url_passes_the_start_check() -> None:
    Settings.from_env({"PORTAL_SMTP_URL": "smtp://u:p@mail.example.com:587?starttls=1"}).check()
    Settings.from_env({"PORTAL_SMTP_URL": "smtps://mail.example.com?timeout=2.5"}).check()


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@svar.localhost"
    message["To"] = "anna@example.com"
    message["Subject"] = "[K7M3-QX9T] Test"
    message.set_content("Hello")
    return message


class _Recorder:
    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.tls: list[bool] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.received.append(envelope.content)
        self.tls.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"p:ss/w@rd%", handled=False)


def _send(url: str, context: ssl.SSLContext | None = None) -> None:
    config = parse_smtp_url(url)
    if context is not None:
        config = replace(config, tls_context=context)
    transport = SMTPTransport(config)
    asyncio.run(
        transport.send(_message(), sender="noreply@svar.localhost", recipients=["anna@example.com"])
    )


@contextmanager
def _serving(recorder: _Recorder, **options: object) -> Iterator[int]:
    """An aiosmtpd server on a free 127.0.0.1 port, recording into ``recorder``; yields the port."""
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_auth_with_percent_encoded_credentials() -> None:
    recorder = _Recorder()
    with _serving(
        recorder, authenticator=recorder.authenticate, auth_required=True, auth_require_tls=False
    ) as port:
        _send(f"smtp://mail%40portal:p%3Ass%2Fw%40rd%25@127.0.0.1:{port}")
        assert recorder.logins == [(b"mail@portal", b"p:ss/w@rd%")]
        assert len(recorder.received) == 1

        # Wrong credentials are a configuration problem: the message waits, it is not dropped.
        with pytest.raises(DeliveryError) as info:
            _send(f"smtp://mail%40portal:wrong@127.0.0.1:{port}?timeout=5")
        assert "535" in str(info.value)
        assert not info.value.permanent
        assert len(recorder.received) == 1


def test_unreachable_server_is_a_temporary_failure() -> None:
    with pytest.raises(DeliveryError) as info:
        _send(f"smtp://127.0.0.1:{free_port()}?timeout=5")
    assert not info.value.permanent


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _contexts(certificate: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client


def test_starttls_is_required_with_starttls_1(certificate) -> None:
    server_context, client_context = _contexts(certificate)
    recorder = _Recorder()
    with _serving(recorder, tls_context=server_context, require_starttls=True) as port:
        _send(f"smtp://127.0.0.1:{port}?starttls=1", client_context)
        assert recorder.tls == [True]
        # The same server refuses a client that will not upgrade.
        with pytest.raises(DeliveryError):
            _send(f"smtp://127.0.0.1:{port}?starttls=0")
        assert len(recorder.received) == 1


def test_implicit_tls_with_smtps(certificate) -> None:
    server_context, client_context = _contexts(certificate)
    recorder = _Recorder()
    with _serving(recorder, ssl_context=server_context) as port:
        _send(f"smtps://127.0.0.1:{port}", client_context)
        assert recorder.tls == [True]
        with pytest.raises(DeliveryError):
            _send(f"smtp://127.0.0.1:{port}?starttls=0&timeout=2")
        # Certificates are checked: an untrusted one is not accepted.
        with pytest.raises(DeliveryError):
            _send(f"smtps://127.0.0.1:{port}?timeout=5")
        assert len(recorder.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("scheme", ["starttls", "smtps"])
def test_kept_connections_stay_encrypted_and_sign_in_once(certificate, scheme: str) -> None:
    """A burst over a kept connection pays for the TLS handshake and AUTH once, not per message."""
    server_context, client_context = _contexts(certificate)
    recorder = _Recorder()
    tls: dict[str, object] = (
        {"tls_context": server_context, "require_starttls": True}
        if scheme == "starttls"
        # aiosmtpd does not count implicit TLS as TLS when deciding whether to offer AUTH
        else {"ssl_context": server_context, "auth_require_tls": False}
    )

    async def burst(transport: SMTPTransport) -> None:
        for _ in range(3):
            await transport.send(
                _message(), sender="noreply@svar.localhost", recipients=["anna@example.com"]
            )
        await transport.aclose()

    with _serving(recorder, authenticator=recorder.authenticate, auth_required=True, **tls) as port:
        url = (
            f"smtp://mail:p%3Ass%2Fw%40rd%25@127.0.0.1:{port}?starttls=1"
            if scheme == "starttls"
            else f"smtps://mail:p%3Ass%2Fw%40rd%25@127.0.0.1:{port}"
        )
        asyncio.run(burst(SMTPTransport(replace(parse_smtp_url(url), tls_context=client_context))))
    assert recorder.tls == [True, True, True]
    assert recorder.logins == [(b"mail", b"p:ss/w@rd%")]
