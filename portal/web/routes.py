"""Routes that belong to no feature: the language redirect, home, health and readiness."""

from __future__ import annotations

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from sqlalchemy import text

from portal.i18n import negotiate
from portal.services import Services
from portal.web.deps import requires_known_language


@get("/", sync_to_thread=False, include_in_schema=False)
def root(request: Request) -> Redirect:
    """Send visitors to their language; ``Vary`` keeps shared caches honest."""
    lang = negotiate(request.headers.get("accept-language"))
    return Redirect(f"/{lang}/", status_code=302, headers={"vary": "Accept-Language"})


@get("/{lang:str}/", guards=[requires_known_language], sync_to_thread=False, name="home")
def home(lang: FromPath[str]) -> Template:
    return Template("public/home.html", context={"lang": lang})


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
