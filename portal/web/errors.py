"""Error pages in the visitor's language: 404, 429 and the rest, as HTML for browsers."""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from portal.i18n import negotiate
from portal.web.deps import language_from_path

log = logging.getLogger(__name__)


def _lang(request: Request) -> str:
    return language_from_path(request.url.path, negotiate(request.headers.get("accept-language")))


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _page(request: Request, status: int, headers: dict[str, str] | None = None) -> Response:
    if _wants_json(request):
        return Response({"status_code": status}, status_code=status, media_type=MediaType.JSON)
    return Template(
        "public/error.html",
        context={"lang": _lang(request), "status": status},
        status_code=status,
        headers=headers or {},
    )


def not_found(request: Request, _exc: Exception) -> Response:
    return _page(request, 404)


def http_error(request: Request, exc: HTTPException) -> Response:
    headers = {
        k: v
        for k, v in (exc.headers or {}).items()
        if k.lower().startswith(("retry-after", "ratelimit"))
    }
    if exc.status_code == 405:
        headers["allow"] = (exc.headers or {}).get("allow", "")
    return _page(request, exc.status_code, headers)


def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR)
