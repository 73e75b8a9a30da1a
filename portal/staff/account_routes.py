"""A person's own account: password, two-step sign-in (TOTP) set-up, the time zone their
figures are counted in, and what they hold."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from portal.i18n import N_, gettext
from portal.services import Services
from portal.staff import accounts, sessions, totp
from portal.staff.accounts import AccountError
from portal.staff.guards import (
    account_errors,
    current_staff,
    requires_staff,
    set_session_cookie,
    staff_lang,
    staff_template,
)
from portal.staff.time_zones import zone_choices
from portal.web.deps import client_ip

NOTICES = {
    "password": N_("Your password was changed. Other devices have been signed out."),
    "totp_on": N_("Two-step sign-in is on. You will be asked for a code each time you sign in."),
    "totp_off": N_("Two-step sign-in is off."),
    "time_zone": N_(
        "Your time zone was saved. Times in the back office, and the insights page's days, "
        "follow it from now on."
    ),
}


def notice(lang: str, key: str | None) -> str:
    return gettext(lang, NOTICES[key]) if key in NOTICES else ""


def _account_context(services: Services, user_id: int) -> dict[str, Any]:
    with services.read() as session:
        user = accounts.get_user(session, user_id)
        assert user is not None  # the guard has just seen the account active
        return {
            "account": {
                "email": user.email,
                "name": user.name,
                "roles": sorted(user.roles),
                "last_login_at": user.last_login_at,
                "totp_enabled": user.totp_enabled,
                "totp_waiting": bool(user.totp_secret) and not user.totp_enabled,
                "time_zone": user.time_zone,
            }
        }


async def _account_page(
    request: Request[Any, Any, Any],
    services: Services,
    *,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response[Any]:
    context = await services.run(_account_context, services, current_staff(request).id)
    lang = staff_lang(request)
    context.update(errors=errors or {}, notice=notice(lang, done), time_zones=zone_choices(lang))
    return staff_template(
        request, "staff/account.html", context, active="account", status_code=status_code
    )


@get("/staff/account", guards=[requires_staff], include_in_schema=False)
async def account(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    done: FromQuery[str | None] = None,
) -> Response[Any]:
    return await _account_page(request, services, done=done)


@post("/staff/account/password", guards=[requires_staff], include_in_schema=False)
async def account_password(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    form = await request.form()
    current = str(form.get("current_password") or "")
    new = str(form.get("new_password") or "")
    lang = staff_lang(request)
    if new != str(form.get("new_password_again") or ""):
        errors = {
            "new_password_again": gettext(lang, N_("The two new passwords are not the same."))
        }
        return await _account_page(request, services, errors=errors, status_code=400)
    staff = current_staff(request)

    def unit() -> str:
        with services.write() as session:
            user = accounts.get_user(session, staff.id)
            assert user is not None
            client = client_ip(request)
            accounts.change_own_password(session, user, current, new, client=client)
            return sessions.open_session(session, user, now=services.clock(), client=client)

    try:
        token = await services.run(unit)
    except AccountError as exc:
        return await _account_page(
            request, services, errors=account_errors(lang, exc), status_code=400
        )
    response: Response[Any] = Redirect("/staff/account?done=password", status_code=303)
    set_session_cookie(response, token, services.settings)
    return response


@post("/staff/account/time-zone", guards=[requires_staff], include_in_schema=False)
async def account_time_zone(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    time_zone = str((await request.form()).get("time_zone") or "")
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> None:
        with services.write() as session:
            user = accounts.get_user(session, staff.id)
            assert user is not None
            accounts.set_own_time_zone(session, user, time_zone, client=client)

    try:
        await services.run(unit)
    except AccountError as exc:
        errors = account_errors(staff_lang(request), exc)
        return await _account_page(request, services, errors=errors, status_code=400)
    return Redirect("/staff/account?done=time_zone", status_code=303)


@post("/staff/account/totp/setup", guards=[requires_staff], include_in_schema=False)
async def totp_setup(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    staff = current_staff(request)

    def unit() -> None:
        with services.write() as session:
            user = accounts.get_user(session, staff.id)
            assert user is not None
            accounts.start_totp(session, user, secret_key=services.settings.secret_key)

    try:
        await services.run(unit)
    except AccountError:  # already on: the account page says so
        return Redirect("/staff/account", status_code=303)
    return Redirect("/staff/account/totp", status_code=303)


def _waiting_secret(services: Services, user_id: int) -> str | None:
    with services.read() as session:
        user = accounts.get_user(session, user_id)
        if user is None or user.totp_enabled:
            return None
        return accounts.totp_secret(user, secret_key=services.settings.secret_key)


async def _totp_page(
    request: Request[Any, Any, Any],
    services: Services,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    staff = current_staff(request)
    secret = await services.run(_waiting_secret, services, staff.id)
    if secret is None:
        return Redirect("/staff/account", status_code=303)
    context = {
        "secret": totp.grouped(secret),
        "uri": totp.provisioning_uri(secret, staff.email),
        "errors": errors or {},
    }
    return staff_template(
        request, "staff/totp_setup.html", context, active="account", status_code=status_code
    )


@get("/staff/account/totp", guards=[requires_staff], include_in_schema=False)
async def totp_form(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    return await _totp_page(request, services)


@post("/staff/account/totp/confirm", guards=[requires_staff], include_in_schema=False)
async def totp_confirm(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    code = str((await request.form()).get("code") or "")
    staff = current_staff(request)

    def unit() -> None:
        with services.write() as session:
            user = accounts.get_user(session, staff.id)
            assert user is not None
            accounts.confirm_totp(
                session,
                user,
                code,
                services.clock(),
                secret_key=services.settings.secret_key,
                client=client_ip(request),
            )

    try:
        await services.run(unit)
    except AccountError as exc:
        errors = account_errors(staff_lang(request), exc)
        return await _totp_page(request, services, errors=errors, status_code=400)
    return Redirect("/staff/account?done=totp_on", status_code=303)


@post("/staff/account/totp/disable", guards=[requires_staff], include_in_schema=False)
async def totp_disable(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    code = str((await request.form()).get("code") or "")
    staff = current_staff(request)

    def unit() -> None:
        with services.write() as session:
            user = accounts.get_user(session, staff.id)
            assert user is not None
            accounts.disable_own_totp(
                session,
                user,
                code,
                services.clock(),
                secret_key=services.settings.secret_key,
                client=client_ip(request),
            )

    try:
        await services.run(unit)
    except AccountError as exc:
        errors = account_errors(staff_lang(request), exc)
        return await _account_page(request, services, errors=errors, status_code=400)
    return Redirect("/staff/account?done=totp_off", status_code=303)


route_handlers = [
    account,
    account_password,
    account_time_zone,
    totp_setup,
    totp_form,
    totp_confirm,
    totp_disable,
]
