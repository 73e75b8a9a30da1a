"""Guards and providers shared by the public routes."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig

from portal.i18n import LANGUAGES
from portal.services import Services


async def requires_known_language(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Only ``/en``, ``/sv`` and ``/nb`` exist; anything else is a plain 404.

    ``async`` on purpose: Litestar runs a plain-function guard in a worker thread, a thread hop
    on every public page for a set lookup.
    """
    if connection.path_params.get("lang") not in LANGUAGES:
        raise NotFoundException()


def provide_services(state: State) -> Services:
    return state.services  # type: ignore[no-any-return]


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client address: the peer, or behind ``PORTAL_TRUSTED_PROXIES`` the forwarded client."""
    client = connection.client
    return client.host if client else "unknown"


def post_limit(name: str, count: int, unit: Literal["minute", "hour"]) -> RateLimitConfig:
    """A per-client limit on one route's POSTs, ``count`` per ``unit``; its GETs stay free."""

    def identifier(request: Request[Any, Any, Any]) -> str:
        return f"{name}:{client_ip(request)}"

    async def only_posts(request: Request[Any, Any, Any]) -> bool:
        # async: a plain function here would be run in a worker thread on every request.
        return request.method == "POST"

    return RateLimitConfig(
        rate_limit=(unit, count),
        identifier_for_request=identifier,
        check_throttle_handler=only_posts,
    )


def language_from_path(path: str, default: str = "en") -> str:
    first = path.strip("/").split("/", 1)[0]
    return first if first in LANGUAGES else default
