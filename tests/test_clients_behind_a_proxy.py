"""Customers behind a reverse proxy: each is limited on their own, and nobody can pose as another.

Only a peer listed in ``PORTAL_TRUSTED_PROXIES`` is believed about ``X-Forwarded-For``; the client
is the rightmost address in it that is not a trusted proxy, so a value a customer wrote themselves
(the leftmost) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from complaint_support import BASE_URL, count_cases, send
from helpers import page_form
from litestar.testing import TestClient

from portal.app import create_app
from portal.services import Services
from portal.settings import Settings, SettingsError
from portal.staff import accounts

PROXY = "10.0.0.2"
PASSWORD = "correct horse battery staple"


class Network:
    """Stands in for the network: every request reaches the app from ``peer``."""

    def __init__(self, app: Any, peer: str) -> None:
        self.app = app
        self.peer = peer

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            scope = {**scope, "client": (self.peer, 40000)}
        await self.app(scope, receive, send)


@contextmanager
def portal_reached_from(
    settings: Settings, peer: str, **overrides: Any
) -> Iterator[tuple[TestClient, Services]]:
    changed = replace(settings, trusted_proxies="10.0.0.0/8, fd00::/8", **overrides)
    services = Services.build(changed)
    try:
        with TestClient(Network(create_app(changed, services), peer), base_url=BASE_URL) as client:
            yield client, services
    finally:
        services.close()


def as_customer(client: TestClient, forwarded_for: str) -> TestClient:
    client.headers["x-forwarded-for"] = forwarded_for
    return client


def sign_in(client: TestClient, email: str, password: str) -> Any:
    values = page_form(client.get("/staff/login").text, "/staff/login")
    values.update(email=email, password=password)
    return client.post("/staff/login", data=values, follow_redirects=False)


def test_two_customers_behind_the_proxy_are_limited_separately(settings) -> None:
    with portal_reached_from(settings, PROXY, complaint_rate_limit_per_hour=1) as (
        client,
        services,
    ):
        assert send(as_customer(client, "203.0.113.5"), description="First").status_code == 303
        assert send(as_customer(client, "203.0.113.5"), description="Again").status_code == 429
        # Another customer through the same proxy still gets through.
        assert send(as_customer(client, "198.51.100.7"), description="Mine").status_code == 303
        assert count_cases(services) == 2


def test_an_address_the_customer_wrote_in_the_header_is_not_believed(settings) -> None:
    with portal_reached_from(settings, PROXY, complaint_rate_limit_per_hour=1) as (client, _):
        # The proxy appends the address it saw; whatever came before is the customer's own text.
        assert send(as_customer(client, "1.1.1.1, 203.0.113.5")).status_code == 303
        assert send(as_customer(client, "2.2.2.2, 203.0.113.5")).status_code == 429
        # Hops through inner proxies of the trusted networks are looked past.
        assert send(as_customer(client, "3.3.3.3, 203.0.113.5, 10.1.2.3")).status_code == 429


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings) -> None:
    with portal_reached_from(settings, "192.0.2.50", complaint_rate_limit_per_hour=1) as (
        client,
        services,
    ):
        assert send(as_customer(client, "203.0.113.5")).status_code == 303
        assert send(as_customer(client, "198.51.100.7")).status_code == 429
        assert count_cases(services) == 1


def test_without_trusted_proxies_the_header_is_ignored(settings) -> None:
    changed = replace(settings, complaint_rate_limit_per_hour=1)
    services = Services.build(changed)
    try:
        with TestClient(Network(create_app(changed, services), PROXY), base_url=BASE_URL) as client:
            assert send(as_customer(client, "203.0.113.5")).status_code == 303
            assert send(as_customer(client, "198.51.100.7")).status_code == 429
    finally:
        services.close()


def test_staff_sign_in_throttle_counts_each_client_behind_the_proxy(settings) -> None:
    # A scale of 0.1 leaves two failures per client (and one per account) in a window.
    with portal_reached_from(settings, PROXY, rate_limit_scale=0.1) as (client, services):
        with services.write() as session:
            accounts.create_user(session, "maja@example.com", PASSWORD, ["agent"], "Maja")
        guesser = as_customer(client, "203.0.113.5")
        for n in range(2):
            assert sign_in(guesser, f"person{n}@example.com", "guess").status_code == 400
        assert sign_in(guesser, "someone@example.com", "guess").status_code == 429
        # Maja signs in through the same proxy from her own address.
        assert (
            sign_in(as_customer(client, "198.51.100.7"), "maja@example.com", PASSWORD).status_code
            == 303
        )


@pytest.mark.parametrize("value", ["10.0.0.300", "proxy.example.com", "10.0.0.0/8; 10.1.0.0/16"])
def test_a_trusted_proxy_that_is_not_an_address_is_refused_at_start(value: str) -> None:
    settings = Settings.from_env({"PORTAL_TRUSTED_PROXIES": value})
    with pytest.raises(SettingsError, match="PORTAL_TRUSTED_PROXIES"):
        settings.check()


def test_trusted_proxies_may_mix_addresses_and_networks() -> None:
    settings = Settings.from_env({"PORTAL_TRUSTED_PROXIES": " 10.0.0.2, 172.16.0.0/12 ,::1 "})
    settings.check()
    assert settings.trusted_proxy_list == ["10.0.0.2", "172.16.0.0/12", "::1"]
