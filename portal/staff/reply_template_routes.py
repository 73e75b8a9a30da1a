"""Admins keep the reply templates agents insert into their answers (per language)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from portal.cases import reply_templates
from portal.cases.reply_templates import PLACEHOLDERS, ReplyTemplate, TemplateProblem
from portal.i18n import LANGUAGE_NAMES, N_, gettext
from portal.services import Services
from portal.staff.audit import record_audit
from portal.staff.guards import current_staff, requires_role, staff_lang, staff_template
from portal.staff.models import ADMIN
from portal.web.deps import client_ip

requires_admin = requires_role(ADMIN)
DONE = {
    "created": N_("The template was added."),
    "saved": N_("The template was saved."),
    "deleted": N_("The template was deleted."),
}


def _view(t: ReplyTemplate) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "lang": t.lang, "body": t.body, "updated_at": t.updated_at}


def _form_page(
    request: Request[Any, Any, Any],
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    context = {
        "values": values,
        "errors": errors or {},
        "language_names": LANGUAGE_NAMES,
        "placeholders": PLACEHOLDERS,
    }
    return staff_template(
        request, "staff/cases/reply_template.html", context, active="templates",
        status_code=status_code,
    )  # fmt: skip


@get("/staff/reply-templates", guards=[requires_admin], include_in_schema=False)
async def template_list(
    request: Request[Any, Any, Any], services: NamedDependency[Services], done: FromQuery[str] = ""
) -> Response[Any]:
    def load() -> list[dict[str, Any]]:
        with services.read() as session:
            return [_view(t) for t in reply_templates.list_templates(session)]

    lang = staff_lang(request)
    context = {
        "templates": await services.run(load),
        "language_names": LANGUAGE_NAMES,
        "notice": gettext(lang, DONE[done]) if done in DONE else "",
    }
    return staff_template(request, "staff/cases/reply_templates.html", context, active="templates")


@get("/staff/reply-templates/new", guards=[requires_admin], include_in_schema=False)
async def template_new(request: Request[Any, Any, Any]) -> Response[Any]:
    return _form_page(request, {"id": None, "name": "", "lang": staff_lang(request), "body": ""})


async def _save(
    request: Request[Any, Any, Any], services: Services, template_id: int | None
) -> Response[Any]:
    form = await request.form()
    values: dict[str, Any] = {
        "id": template_id,
        "name": str(form.get("name") or ""),
        "lang": str(form.get("lang") or ""),
        "body": str(form.get("body") or ""),
    }
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> bool:
        with services.write() as session:
            found = None
            if template_id is not None:
                found = reply_templates.get_template(session, template_id)
                if found is None:
                    return False
            saved = reply_templates.save_template(
                session, found, name=values["name"], lang=values["lang"], body=values["body"]
            )
            action = "reply_template.create" if found is None else "reply_template.update"
            details = {"name": saved.name, "lang": saved.lang}
            record_audit(session, staff, action, saved, details, client=client)
            return True

    try:
        exists = await services.run(unit)
    except TemplateProblem as exc:
        errors = {exc.field: gettext(staff_lang(request), exc.message)}
        return _form_page(request, values, errors, status_code=400)
    if not exists:
        raise NotFoundException()
    done = "created" if template_id is None else "saved"
    return Redirect(f"/staff/reply-templates?done={done}", status_code=303)


@post("/staff/reply-templates", guards=[requires_admin], include_in_schema=False)
async def template_create(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    return await _save(request, services, None)


@get("/staff/reply-templates/{template_id:int}", guards=[requires_admin], include_in_schema=False)
async def template_edit(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    template_id: FromPath[int],
) -> Response[Any]:
    def load() -> dict[str, Any] | None:
        with services.read() as session:
            found = reply_templates.get_template(session, template_id)
            return _view(found) if found else None

    values = await services.run(load)
    if values is None:
        raise NotFoundException()
    return _form_page(request, values)


@post("/staff/reply-templates/{template_id:int}", guards=[requires_admin], include_in_schema=False)
async def template_update(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    template_id: FromPath[int],
) -> Response[Any]:
    return await _save(request, services, template_id)


@post(
    "/staff/reply-templates/{template_id:int}/delete",
    guards=[requires_admin],
    include_in_schema=False,
)
async def template_delete(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    template_id: FromPath[int],
) -> Response[Any]:
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> bool:
        with services.write() as session:
            found = reply_templates.get_template(session, template_id)
            if found is None:
                return False
            details = {"name": found.name, "lang": found.lang}
            record_audit(session, staff, "reply_template.delete", found, details, client=client)
            reply_templates.delete_template(session, found)
            return True

    if not await services.run(unit):
        raise NotFoundException()
    return Redirect("/staff/reply-templates?done=deleted", status_code=303)


route_handlers = [
    template_list,
    template_new,
    template_create,
    template_edit,
    template_update,
    template_delete,
]
