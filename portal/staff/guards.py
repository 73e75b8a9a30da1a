"""Who may open a staff page: guards, the session cookie, and what every staff response carries.

Every staff route declares a guard; the guard looks the session up on the server for each request::

    from portal.staff.guards import current_staff, requires_role, staff_template

    @get("/staff/cases", guards=[requires_role("agent")])
    async def queue(request: Request) -> Template:
        staff = current_staff(request)          # StaffIdentity: id, email, name, roles
        return staff_template(request, "staff/cases/queue.html", {...}, active="cases")

Signed-out browsers are sent to ``/staff/login?next=...``; a signed-in person without the role
gets 403. Only the staff session cookie counts: a customer's case link or cookie opens nothing here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template
from litestar.types import Message, Scope

from portal.i18n import gettext, negotiate
from portal.services import Services
from portal.settings import Settings
from portal.staff.accounts import AccountError
from portal.staff.sessions import StaffIdentity, identify
from portal.staff.throttle import SignInThrottle

SESSION_COOKIE = "svar_staff"
COOKIE_PATH = "/staff"
SIGN_IN_PATH = "/staff/login"
HOME_PATH = "/staff/"
_STATE_KEY = "staff_identity"

STAFF_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "same-origin",
    "x-robots-tag": "noindex, nofollow",
}

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


class StaffSignInRequired(NotAuthorizedException):
    """No valid staff session: browsers are sent to the sign-in page."""


class StaffForbidden(PermissionDeniedException):
    """Signed in, but without a role this page needs (``roles``: any of them would do)."""

    def __init__(self, roles: frozenset[str] | tuple[str, ...] = ()) -> None:
        super().__init__()
        self.roles = tuple(sorted(roles))


def _services(connection: ASGIConnection[Any, Any, Any, Any]) -> Services:
    return connection.app.state.services  # type: ignore[no-any-return]


async def staff_identity(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffIdentity | None:
    """The signed-in person for this request (looked up once, then remembered for the request)."""
    state = connection.scope.setdefault("state", {})
    if _STATE_KEY not in state:
        services = _services(connection)
        token = connection.cookies.get(SESSION_COOKIE)
        state[_STATE_KEY] = (
            await services.run(identify, services, token, now=services.clock()) if token else None
        )
    return state[_STATE_KEY]  # type: ignore[no-any-return]


async def requires_staff(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Any signed-in, active staff member."""
    if await staff_identity(connection) is None:
        raise StaffSignInRequired()


def requires_role(*roles: str) -> Guard:
    """Signed in and holding at least one of ``roles`` (``requires_role("editor", "admin")``)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        identity = await staff_identity(connection)
        if identity is None:
            raise StaffSignInRequired()
        if not identity.has_role(*roles):
            raise StaffForbidden(roles)

    guard.__name__ = f"requires_role({', '.join(roles)})"
    guard.staff_roles = frozenset(roles)  # type: ignore[attr-defined]
    return guard


def current_staff(request: ASGIConnection[Any, Any, Any, Any]) -> StaffIdentity:
    """The person a staff guard let in; only call it from a guarded handler."""
    identity = request.scope.get("state", {}).get(_STATE_KEY)
    if identity is None:
        raise StaffSignInRequired()
    return identity  # type: ignore[no-any-return]


# -- pages --------------------------------------------------------------------------------------


def staff_lang(request: ASGIConnection[Any, Any, Any, Any]) -> str:
    return negotiate(request.headers.get("accept-language"))


def staff_template(
    request: ASGIConnection[Any, Any, Any, Any],
    name: str,
    context: dict[str, Any] | None = None,
    *,
    active: str = "",
    status_code: int = 200,
) -> Template:
    """A page in the staff layout: ``lang``, ``staff``, the ``active`` nav item and the staff
    member's ``viewer_time_zone`` (times on the page are shown in it) filled in."""
    staff = request.scope.get("state", {}).get(_STATE_KEY)
    values = {
        "lang": staff_lang(request),
        "staff": staff,
        "active": active,
        "viewer_time_zone": getattr(staff, "time_zone", None),
    }
    values.update(context or {})
    return Template(name, context=values, status_code=status_code)


def safe_next(path: str | None) -> str:
    """Where to go after signing in: only paths inside the back office, never another site."""
    if (
        not path
        or not path.startswith(COOKIE_PATH)
        or path.startswith(("//", SIGN_IN_PATH))
        or ".." in path
        or any(ch in path for ch in "\\\r\n\t")
    ):
        return HOME_PATH
    rest = path[len(COOKIE_PATH) :]
    if rest and rest[0] not in "/?":
        return HOME_PATH
    return path


def sign_in_url(next_path: str | None) -> str:
    target = safe_next(next_path)
    if target == HOME_PATH:
        return SIGN_IN_PATH
    return f"{SIGN_IN_PATH}?next={quote(target, safe='/')}"


def redirect_to_sign_in(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """Exception handler: browsers go to the sign-in page, and come back after signing in."""
    next_path = None
    if request.method in ("GET", "HEAD"):
        next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = sign_in_url(next_path)
    if request.headers.get("hx-request"):
        return Response(b"", status_code=401, headers={"hx-redirect": location})
    return Redirect(location, status_code=303)


def forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The page names the role it needs; an admin is shown where to add it (roles are separate:
    being an admin opens neither the case desk nor the knowledge base)."""
    needed = getattr(exc, "roles", ())
    return staff_template(request, "staff/forbidden.html", {"needed": needed}, status_code=403)


STAFF_EXCEPTION_HANDLERS = {
    StaffSignInRequired: redirect_to_sign_in,
    StaffForbidden: forbidden,
}


def staff_headers_hook() -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: nothing under ``/staff`` is cached, leaks its URL, or is indexed."""

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        path = scope.get("path", "")
        if path != COOKIE_PATH and not path.startswith(COOKIE_PATH + "/"):
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in STAFF_HEADERS.items():
            headers[name] = value

    return before_send


def account_errors(lang: str, exc: AccountError) -> dict[str, str]:
    """An ``AccountError`` as ``{field: translated message}`` for the form template."""
    return {exc.field: gettext(lang, exc.message, **exc.variables)}


# -- the session cookie -------------------------------------------------------------------------


def _cookie(value: str, settings: Settings, max_age: int | None = None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path=COOKIE_PATH,
        httponly=True,
        secure=settings.is_prod,
        samesite="lax",
        max_age=max_age,
    )


def set_session_cookie(response: Response[Any], token: str, settings: Settings) -> None:
    """A browser-session cookie: it goes when the browser closes, the server ends it sooner."""
    response.set_cookie(_cookie(token, settings))


def clear_session_cookie(response: Response[Any], settings: Settings) -> None:
    response.set_cookie(_cookie("", settings, max_age=0))


def sign_in_throttle(request: ASGIConnection[Any, Any, Any, Any]) -> SignInThrottle:
    services = _services(request)
    return SignInThrottle(request.app.stores.get("rate_limit"), services.settings)
