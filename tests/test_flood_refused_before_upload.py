"""A client over its limit is refused before its upload is read.

The rate limiter stands outside the CSRF check (which parses the form to find its token), so a
flood of large posts costs the server a counter lookup each, not the reading of every body.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from complaint_support import BASE_URL, PNG, count_cases, send
from litestar.testing import TestClient

from portal.app import create_app
from portal.services import Services
from portal.settings import Settings


class BodyMeter:
    """Counts the request-body bytes the app asks for, per request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.read: list[int] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.read.append(0)

        async def metered() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                self.read[-1] += len(message.get("body", b""))
            return message

        await self.app(scope, metered, send)


@contextmanager
def metered_client(settings: Settings, **overrides: Any) -> Iterator[tuple[TestClient, Any, Any]]:
    changed = replace(settings, **overrides)
    services = Services.build(changed)
    meter = BodyMeter(create_app(changed, services))
    try:
        with TestClient(meter, base_url=BASE_URL) as client:
            yield client, services, meter
    finally:
        services.close()


def test_client_over_its_limit_gets_429_before_its_upload_is_read(settings) -> None:
    with metered_client(settings, complaint_rate_limit_per_hour=1) as (client, services, meter):
        assert send(client, description="The lamp is broken.").status_code == 303
        assert meter.read[-1] > 0

        large = PNG + b"\x00" * (4 * 1024 * 1024)
        response = client.post(
            "/en/complaint",
            data={"email": "anna@example.com", "description": "Again"},  # no CSRF token
            files=[("attachments", ("photo.png", large, "image/png"))],
        )
        assert response.status_code == 429  # not 403: the token was never looked for
        assert meter.read[-1] == 0
        assert count_cases(services) == 1
