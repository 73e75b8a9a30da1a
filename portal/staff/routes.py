"""Signing in and out of the back office, the dashboard, and a person's own account page."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from portal.i18n import N_, gettext, ngettext
from portal.services import Services
from portal.staff import account_routes, sessions
from portal.staff.guards import (
    HOME_PATH,
    SESSION_COOKIE,
    clear_session_cookie,
    current_staff,
    requires_staff,
    safe_next,
    set_session_cookie,
    sign_in_throttle,
    staff_lang,
    staff_template,
)
from portal.web.deps import client_ip

WRONG_CREDENTIALS = N_("The email address or password is not right.")
WRONG_CODE = N_("That code is not right. Enter the six digits your app shows now.")
UNREADABLE_CODE = N_(
    "Your two-step sign-in can no longer be checked: the portal's secret key was changed after "
    "you set it up. Ask an admin to turn off two-step sign-in on your user page, then sign in "
    "with your password and set it up again."
)
# A sign-in form is a few hundred bytes; anything much larger is refused before it is read, so
# the CSRF check never parses a large body ahead of the sign-in throttle.
SIGN_IN_BODY_LIMIT = 16 * 1024

NOTICES = {
    "signed_out": N_("You have signed out."),
    "everywhere": N_("You have signed out on every device."),
    "expired": N_("Your session has ended. Sign in again to continue."),
}


def _idle(services: Services) -> timedelta:
    return timedelta(minutes=services.settings.staff_session_idle_minutes)


def notice(lang: str, key: str | None) -> str:
    return gettext(lang, NOTICES[key]) if key in NOTICES else ""


# -- signing in ---------------------------------------------------------------------------------


def _login_page(
    request: Request[Any, Any, Any],
    *,
    email: str = "",
    next_path: str = HOME_PATH,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response[Any]:
    context = {
        "email": email,
        "next": next_path,
        "errors": errors or {},
        "notice": notice(staff_lang(request), done),
    }
    return staff_template(request, "staff/login.html", context, status_code=status_code)


def _too_many(request: Request[Any, Any, Any], template: str, wait: int, **context: Any) -> Any:
    message = ngettext(
        staff_lang(request),
        "Too many sign-in attempts. Wait %(num)d minute, then try again.",
        "Too many sign-in attempts. Wait %(num)d minutes, then try again.",
        max(1, math.ceil(wait / 60)),
    )
    page = staff_template(
        request, template, {**context, "errors": {"form": message}}, status_code=429
    )
    page.headers["retry-after"] = str(wait)
    return page


@get("/staff/login", include_in_schema=False)
async def login_form(
    request: Request[Any, Any, Any], done: FromQuery[str | None] = None
) -> Response[Any]:
    return _login_page(request, next_path=safe_next(request.query_params.get("next")), done=done)


@post("/staff/login", include_in_schema=False, request_max_body_size=SIGN_IN_BODY_LIMIT)
async def login_submit(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    form = await request.form()
    email = str(form.get("email") or "").strip()
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""))
    lang = staff_lang(request)
    errors = {}
    if not email:
        errors["email"] = gettext(lang, N_("Enter your email address."))
    if not password:
        errors["password"] = gettext(lang, N_("Enter your password."))
    if errors:
        return _login_page(
            request, email=email, next_path=next_path, errors=errors, status_code=400
        )

    client = client_ip(request)
    throttle = sign_in_throttle(request)
    wait = await throttle.retry_after(email, client)
    if wait:
        return _too_many(request, "staff/login.html", wait, email=email, next=next_path)

    previous_token = request.cookies.get(SESSION_COOKIE)

    def unit() -> sessions.SignInResult:
        with services.write() as session:
            return sessions.sign_in(
                session,
                email,
                password,
                now=services.clock(),
                client=client,
                previous_token=previous_token,
            )

    result = await services.run(unit)
    if not result.ok or result.token is None:
        await throttle.failed(email, client)
        errors = {"form": gettext(lang, WRONG_CREDENTIALS)}
        return _login_page(
            request, email=email, next_path=next_path, errors=errors, status_code=400
        )
    if result.needs_code:
        location = "/staff/login/code"
        if next_path != HOME_PATH:
            location += "?" + urlencode({"next": next_path})
    else:
        await throttle.succeeded(email)
        location = next_path
    response: Response[Any] = Redirect(location, status_code=303)
    set_session_cookie(response, result.token, services.settings)
    return response


@get("/staff/login/code", include_in_schema=False)
async def code_form(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    user_email = await services.run(_pending_email, services, request.cookies.get(SESSION_COOKIE))
    if user_email is None:
        return Redirect("/staff/login?done=expired", status_code=303)
    context = {"next": safe_next(request.query_params.get("next")), "errors": {}}
    return staff_template(request, "staff/login_code.html", context)


def _pending_email(services: Services, token: str | None) -> str | None:
    with services.read() as session:
        user = sessions.pending_second_factor(
            session, token, now=services.clock(), idle=_idle(services)
        )
        return user.email if user is not None else None


@post("/staff/login/code", include_in_schema=False, request_max_body_size=SIGN_IN_BODY_LIMIT)
async def code_submit(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    form = await request.form()
    code = str(form.get("code") or "")
    next_path = safe_next(str(form.get("next") or ""))
    token = request.cookies.get(SESSION_COOKIE)
    email = await services.run(_pending_email, services, token)
    if email is None:
        return Redirect("/staff/login?done=expired", status_code=303)
    client = client_ip(request)
    throttle = sign_in_throttle(request)
    wait = await throttle.retry_after(email, client)
    if wait:
        return _too_many(request, "staff/login_code.html", wait, next=next_path)

    def unit() -> sessions.SignInResult:
        with services.write() as session:
            return sessions.complete_second_factor(
                session,
                token,
                code,
                now=services.clock(),
                idle=_idle(services),
                secret_key=services.settings.secret_key,
                client=client,
            )

    result = await services.run(unit)
    if not result.ok or result.token is None:
        await throttle.failed(email, client)
        lang = staff_lang(request)
        message = UNREADABLE_CODE if result.code_unreadable else WRONG_CODE
        context = {"next": next_path, "errors": {"code": gettext(lang, message)}}
        return staff_template(request, "staff/login_code.html", context, status_code=400)
    await throttle.succeeded(email)
    response: Response[Any] = Redirect(next_path, status_code=303)
    set_session_cookie(response, result.token, services.settings)
    return response


# -- signing out --------------------------------------------------------------------------------


def _signed_out(services: Services, done: str) -> Response[Any]:
    response: Response[Any] = Redirect(f"/staff/login?done={done}", status_code=303)
    clear_session_cookie(response, services.settings)
    return response


@post("/staff/logout", guards=[requires_staff], include_in_schema=False)
async def logout(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    token = request.cookies.get(SESSION_COOKIE)

    def unit() -> None:
        with services.write() as session:
            sessions.sign_out(session, token, now=services.clock(), client=client_ip(request))

    await services.run(unit)
    return _signed_out(services, "signed_out")


@post("/staff/logout/everywhere", guards=[requires_staff], include_in_schema=False)
async def logout_everywhere(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    staff = current_staff(request)

    def unit() -> None:
        with services.write() as session:
            sessions.sign_out_everywhere(
                session, staff, now=services.clock(), client=client_ip(request)
            )

    await services.run(unit)
    return _signed_out(services, "everywhere")


# -- the overview ------------------------------------------------------------------------------


@get("/staff/", guards=[requires_staff], include_in_schema=False)
async def dashboard(request: Request[Any, Any, Any]) -> Response[Any]:
    return staff_template(request, "staff/dashboard.html", active="dashboard")


route_handlers = [
    login_form,
    login_submit,
    code_form,
    code_submit,
    logout,
    logout_everywhere,
    dashboard,
    *account_routes.route_handlers,
]
