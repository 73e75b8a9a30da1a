"""Admins manage staff accounts in the browser and read the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from sqlalchemy.orm import Session

from portal.i18n import N_, gettext
from portal.services import Services
from portal.staff import accounts
from portal.staff.accounts import AccountError
from portal.staff.audit import audit_entries
from portal.staff.guards import (
    account_errors,
    current_staff,
    requires_role,
    staff_lang,
    staff_template,
)
from portal.staff.models import ADMIN, ROLES, StaffUser
from portal.staff.sessions import StaffIdentity
from portal.web.deps import client_ip

requires_admin = requires_role(ADMIN)

DONE = {
    "created": N_("The account was created."),
    "saved": N_("The changes were saved."),
    "deactivated": N_("The account was deactivated and signed out everywhere."),
    "reactivated": N_("The account was reactivated; the person can sign in again."),
    "password": N_("The password was reset and the person was signed out everywhere."),
    "totp": N_("Two-step sign-in was turned off for this account."),
    "signed_out": N_("The person was signed out on every device."),
}


def _roles(form: FormMultiDict) -> list[str]:
    return [str(value) for value in form.getall("roles", [])]


def _user_view(user: StaffUser, secret_key: str | None = None) -> dict[str, Any]:
    """What the user pages show; with ``secret_key``, also whether their second factor opens."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "name": user.name,
        "roles": sorted(user.roles),
        "active": user.active,
        "totp_enabled": user.totp_enabled,
        "totp_unreadable": secret_key is not None
        and accounts.totp_unreadable(user, secret_key=secret_key),
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


# -- the list and a new account -----------------------------------------------------------------


@get("/staff/users", guards=[requires_admin], include_in_schema=False)
async def user_list(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    def load() -> list[dict[str, Any]]:
        with services.read() as session:
            return [_user_view(u) for u in accounts.list_users(session)]

    users = await services.run(load)
    return staff_template(request, "staff/users.html", {"users": users}, active="users")


def _new_user_page(
    request: Request[Any, Any, Any],
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    context = {
        "values": values or {"email": "", "display_name": "", "roles": []},
        "errors": errors or {},
        "all_roles": ROLES,
    }
    return staff_template(
        request, "staff/user_new.html", context, active="users", status_code=status_code
    )


@get("/staff/users/new", guards=[requires_admin], include_in_schema=False)
async def user_new(request: Request[Any, Any, Any]) -> Response[Any]:
    return _new_user_page(request)


@post("/staff/users", guards=[requires_admin], include_in_schema=False)
async def user_create(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    form = await request.form()
    values = {
        "email": str(form.get("email") or "").strip(),
        "display_name": str(form.get("display_name") or "").strip(),
        "roles": _roles(form),
    }
    password = str(form.get("password") or "")
    staff = current_staff(request)

    def unit() -> int:
        with services.write() as session:
            user = accounts.create_user(
                session,
                values["email"],
                password,
                values["roles"],
                values["display_name"],
                by=staff,
                client=client_ip(request),
                now=services.clock(),
            )
            return user.id

    try:
        user_id = await services.run(unit)
    except AccountError as exc:
        errors = account_errors(staff_lang(request), exc)
        return _new_user_page(request, values, errors, status_code=400)
    return Redirect(f"/staff/users/{user_id}?done=created", status_code=303)


# -- one account --------------------------------------------------------------------------------


def _detail(services: Services, user_id: int) -> dict[str, Any] | None:
    with services.read() as session:
        user = accounts.get_user(session, user_id)
        if user is None:
            return None
        history = audit_entries(session, target=("staff_users", str(user_id)), limit=20)
        user_view = _user_view(user, services.settings.secret_key)
        return {"user": user_view, "history": history.entries}


async def _user_page(
    request: Request[Any, Any, Any],
    services: Services,
    user_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> Response[Any]:
    context = await services.run(_detail, services, user_id)
    if context is None:
        raise NotFoundException()
    user = context["user"]
    lang = staff_lang(request)
    context.update(
        values=values or {"display_name": user["display_name"], "roles": user["roles"]},
        errors=errors or {},
        all_roles=ROLES,
        notice=gettext(lang, DONE[done]) if done in DONE else "",
        is_self=user["id"] == current_staff(request).id,
    )
    return staff_template(
        request, "staff/user.html", context, active="users", status_code=status_code
    )


@get("/staff/users/{user_id:int}", guards=[requires_admin], include_in_schema=False)
async def user_detail(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    user_id: FromPath[int],
    done: FromQuery[str | None] = None,
) -> Response[Any]:
    return await _user_page(request, services, user_id, done=done)


Change = Callable[[Session, StaffUser, StaffIdentity, str], None]


async def _change(
    request: Request[Any, Any, Any],
    services: Services,
    user_id: int,
    change: Change,
    done: str,
    values: dict[str, Any] | None = None,
) -> Response[Any]:
    """Apply one audited change to an account, then show the page again with the outcome."""
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> bool:
        with services.write() as session:
            user = accounts.get_user(session, user_id)
            if user is None:
                return False
            change(session, user, staff, client)
            return True

    try:
        found = await services.run(unit)
    except AccountError as exc:
        errors = account_errors(staff_lang(request), exc)
        return await _user_page(
            request, services, user_id, values=values, errors=errors, status_code=400
        )
    if not found:
        raise NotFoundException()
    return Redirect(f"/staff/users/{user_id}?done={done}", status_code=303)


@post("/staff/users/{user_id:int}", guards=[requires_admin], include_in_schema=False)
async def user_update(
    request: Request[Any, Any, Any], services: NamedDependency[Services], user_id: FromPath[int]
) -> Response[Any]:
    form = await request.form()
    values = {"display_name": str(form.get("display_name") or ""), "roles": _roles(form)}

    def change(session: Session, user: StaffUser, staff: StaffIdentity, client: str) -> None:
        accounts.update_user(
            session, user, values["display_name"], values["roles"], by=staff, client=client
        )

    return await _change(request, services, user_id, change, "saved", values)


@post("/staff/users/{user_id:int}/deactivate", guards=[requires_admin], include_in_schema=False)
async def user_deactivate(
    request: Request[Any, Any, Any], services: NamedDependency[Services], user_id: FromPath[int]
) -> Response[Any]:
    def change(session: Session, user: StaffUser, staff: StaffIdentity, client: str) -> None:
        accounts.deactivate(session, user, by=staff, client=client)

    return await _change(request, services, user_id, change, "deactivated")


@post("/staff/users/{user_id:int}/reactivate", guards=[requires_admin], include_in_schema=False)
async def user_reactivate(
    request: Request[Any, Any, Any], services: NamedDependency[Services], user_id: FromPath[int]
) -> Response[Any]:
    def change(session: Session, user: StaffUser, staff: StaffIdentity, client: str) -> None:
        accounts.reactivate(session, user, by=staff, client=client)

    return await _change(request, services, user_id, change, "reactivated")


@post("/staff/users/{user_id:int}/password", guards=[requires_admin], include_in_schema=False)
async def user_password(
    request: Request[Any, Any, Any], services: NamedDependency[Services], user_id: FromPath[int]
) -> Response[Any]:
    password = str((await request.form()).get("password") or "")

    def change(session: Session, user: StaffUser, staff: StaffIdentity, client: str) -> None:
        accounts.reset_password(session, user, password, by=staff, client=client)

    return await _change(request, services, user_id, change, "password")


@post("/staff/users/{user_id:int}/totp-reset", guards=[requires_admin], include_in_schema=False)
async def user_totp_reset(
    request: Request[Any, Any, Any], services: NamedDependency[Services], user_id: FromPath[int]
) -> Response[Any]:
    def change(session: Session, user: StaffUser, staff: StaffIdentity, client: str) -> None:
        accounts.reset_totp(session, user, by=staff, client=client)

    return await _change(request, services, user_id, change, "totp")


@post("/staff/users/{user_id:int}/sign-out", guards=[requires_admin], include_in_schema=False)
async def user_sign_out(
    request: Request[Any, Any, Any], services: NamedDependency[Services], user_id: FromPath[int]
) -> Response[Any]:
    def change(session: Session, user: StaffUser, staff: StaffIdentity, client: str) -> None:
        accounts.sign_out_user(session, user, by=staff, client=client)

    return await _change(request, services, user_id, change, "signed_out")


# -- the audit log ------------------------------------------------------------------------------


@get("/staff/audit", guards=[requires_admin], include_in_schema=False)
async def audit_log(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    before: FromQuery[int | None] = None,
    action: FromQuery[str] = "",
) -> Response[Any]:
    action = action.strip()[:64]

    def load() -> Any:
        with services.read() as session:
            return audit_entries(session, before=before, action=action)

    page = await services.run(load)
    context = {"entries": page.entries, "older": page.older, "action": action}
    return staff_template(request, "staff/audit.html", context, active="audit")


route_handlers = [
    user_list,
    user_new,
    user_create,
    user_detail,
    user_update,
    user_deactivate,
    user_reactivate,
    user_password,
    user_totp_reset,
    user_sign_out,
    audit_log,
]
