"""Routes that belong to no feature: the language redirect, health and readiness (the home page
is the help centre's, in ``portal.knowledge``)."""

from __future__ import annotations

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Response
from sqlalchemy import text

from portal.i18n import negotiate
from portal.services import Services


@get("/", sync_to_thread=False, include_in_schema=False)
def root(request: Request) -> Redirect:
    """Send visitors to their language; ``Vary`` keeps shared caches honest."""
    lang = negotiate(request.headers.get("accept-language"))
    return Redirect(f"/{lang}/", status_code=302, headers={"vary": "Accept-Language"})


@get("/health", sync_to_thread=False, include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", include_in_schema=False)
async def ready(services: NamedDependency[Services]) -> Response[dict[str, str]]:
    def check() -> None:
        with services.read() as session:
            session.execute(text("SELECT 1"))

    try:
        await services.run(check)
    except Exception as exc:  # the readiness probe reports any database failure
        return Response({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return Response({"status": "ready", "database": "ok"})
