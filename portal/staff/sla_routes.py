"""Admins set the response-time targets and business calendars; agents may read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from sqlalchemy.orm import Session

from portal.i18n import N_, gettext
from portal.services import Services
from portal.sla import admin, admin_pages
from portal.sla.admin import SlaFormError
from portal.staff.guards import current_staff, requires_role, staff_lang, staff_template
from portal.staff.models import ADMIN, AGENT
from portal.staff.sessions import StaffIdentity
from portal.web.deps import client_ip

requires_admin = requires_role(ADMIN)
requires_reader = requires_role(ADMIN, AGENT)
HOME = "/staff/response-times"

DONE = {
    "targets": N_("The targets were saved. New complaints are promised with them from now on."),
    "languages": N_("The calendars for each language were saved."),
    "calendar": N_("The calendar was saved."),
    "added": N_("The closed day was added."),
    "removed": N_("The closed day was removed."),
}

Form = dict[str, str]
Change = Callable[[Session, Form, StaffIdentity, str], Any]


def _errors(lang: str, exc: SlaFormError) -> dict[str, str]:
    return {
        name: gettext(lang, message, **variables)
        for name, (message, variables) in exc.problems.items()
    }


def _notice(lang: str, done: str) -> str:
    return gettext(lang, DONE[done]) if done in DONE else ""


async def _form(request: Request[Any, Any, Any]) -> Form:
    form = await request.form()
    return {key: str(value) for key, value in form.items()}


async def _overview_page(
    request: Request[Any, Any, Any],
    services: Services,
    *,
    values: Form | None = None,
    errors: dict[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response[Any]:
    lang = staff_lang(request)
    now = services.clock()

    def load() -> dict[str, Any]:
        with services.write() as session:  # the first visit seeds the defaults
            return admin_pages.overview(session, lang, now)

    context = await services.run(load)
    if values is not None:
        context["values"].update(values)
    context.update(
        errors=errors or {},
        notice=_notice(lang, done),
        can_edit=current_staff(request).has_role(ADMIN),
    )
    return staff_template(
        request, "staff/response_times.html", context, active="response_times",
        status_code=status_code,
    )  # fmt: skip


async def _calendar_page(
    request: Request[Any, Any, Any],
    services: Services,
    calendar_id: int,
    *,
    values: Form | None = None,
    errors: dict[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response[Any]:
    lang = staff_lang(request)
    now = services.clock()

    def load() -> dict[str, Any] | None:
        with services.read() as session:
            return admin_pages.calendar_page(session, calendar_id, lang, now)

    context = await services.run(load)
    if context is None:
        raise NotFoundException()
    if values is not None:
        context["values"].update(values)
    context.update(errors=errors or {}, notice=_notice(lang, done))
    return staff_template(
        request, "staff/response_time_calendar.html", context, active="response_times",
        status_code=status_code,
    )  # fmt: skip


async def _apply(request: Request[Any, Any, Any], services: Services, change: Change) -> Any:
    """Run one audited change with the posted form; raises ``SlaFormError`` on bad input."""
    form = await _form(request)
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> Any:
        with services.write() as session:
            return change(session, form, staff, client)

    result = await services.run(unit)
    admin.settings_changed()
    return result


# -- the overview: targets, calendars, languages -------------------------------------------------


@get(HOME, guards=[requires_reader], include_in_schema=False)
async def response_times(
    request: Request[Any, Any, Any], services: NamedDependency[Services], done: FromQuery[str] = ""
) -> Response[Any]:
    return await _overview_page(request, services, done=done)


@post(f"{HOME}/targets", guards=[requires_admin], include_in_schema=False)
async def save_targets(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    try:
        await _apply(request, services, admin.save_targets)
    except SlaFormError as exc:
        values = await _form(request)
        errors = _errors(staff_lang(request), exc)
        return await _overview_page(
            request, services, values=values, errors=errors, status_code=400
        )
    return Redirect(f"{HOME}?done=targets", status_code=303)


@post(f"{HOME}/languages", guards=[requires_admin], include_in_schema=False)
async def save_languages(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    try:
        await _apply(request, services, admin.save_languages)
    except SlaFormError as exc:
        values = await _form(request)
        errors = _errors(staff_lang(request), exc)
        return await _overview_page(
            request, services, values=values, errors=errors, status_code=400
        )
    return Redirect(f"{HOME}?done=languages", status_code=303)


# -- one calendar --------------------------------------------------------------------------------


@get(f"{HOME}/calendars/{{calendar_id:int}}", guards=[requires_admin], include_in_schema=False)
async def calendar_detail(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    calendar_id: FromPath[int],
    done: FromQuery[str] = "",
) -> Response[Any]:
    return await _calendar_page(request, services, calendar_id, done=done)


async def _calendar_change(
    request: Request[Any, Any, Any],
    services: Services,
    calendar_id: int,
    change: Callable[[Session, int, Form, StaffIdentity, str], bool],
    done: str,
) -> Response[Any]:
    def bound(session: Session, form: Form, staff: StaffIdentity, client: str) -> bool:
        return change(session, calendar_id, form, staff, client)

    try:
        found = await _apply(request, services, bound)
    except SlaFormError as exc:
        values = await _form(request)
        errors = _errors(staff_lang(request), exc)
        return await _calendar_page(
            request, services, calendar_id, values=values, errors=errors, status_code=400
        )
    if not found:
        raise NotFoundException()
    return Redirect(f"{HOME}/calendars/{calendar_id}?done={done}", status_code=303)


@post(f"{HOME}/calendars/{{calendar_id:int}}", guards=[requires_admin], include_in_schema=False)
async def calendar_update(
    request: Request[Any, Any, Any], services: NamedDependency[Services], calendar_id: FromPath[int]
) -> Response[Any]:
    return await _calendar_change(request, services, calendar_id, admin.save_calendar, "calendar")


@post(
    f"{HOME}/calendars/{{calendar_id:int}}/closed-days",
    guards=[requires_admin],
    include_in_schema=False,
)
async def closed_day_add(
    request: Request[Any, Any, Any], services: NamedDependency[Services], calendar_id: FromPath[int]
) -> Response[Any]:
    return await _calendar_change(request, services, calendar_id, admin.add_closed_day, "added")


@post(
    f"{HOME}/calendars/{{calendar_id:int}}/closed-days/delete",
    guards=[requires_admin],
    include_in_schema=False,
)
async def closed_day_remove(
    request: Request[Any, Any, Any], services: NamedDependency[Services], calendar_id: FromPath[int]
) -> Response[Any]:
    return await _calendar_change(
        request, services, calendar_id, admin.remove_closed_day, "removed"
    )


route_handlers = [
    response_times,
    save_targets,
    save_languages,
    calendar_detail,
    calendar_update,
    closed_day_add,
    closed_day_remove,
]
