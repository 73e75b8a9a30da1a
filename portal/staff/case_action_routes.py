"""What an agent does on a case page: reply or note, status, category, priority, assignee.

Each POST is one transaction through ``portal.cases.updates`` (which writes the timeline event,
the audit entry and the customer's email), then a redirect back to the case with the outcome.
A problem shows the page again with the message beside the field and the agent's text kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.orm import Session

from portal.cases import updates
from portal.cases.desk import find_case
from portal.cases.intake import FieldError
from portal.cases.models import Case
from portal.cases.queue import list_agents
from portal.cases.reference import normalise_reference
from portal.cases.updates import UpdateError
from portal.i18n import N_, gettext
from portal.services import Services
from portal.staff.case_routes import desk_response, load_desk, requires_agent
from portal.staff.guards import current_staff, staff_lang
from portal.staff.sessions import StaffIdentity
from portal.web.deps import client_ip

UNKNOWN_AGENT = N_("Choose one of the agents listed.")
Change = Callable[[Session, Case, StaffIdentity, str], object]


def _errors(lang: str, exc: UpdateError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors:
        found.setdefault(error.field, gettext(lang, error.message, **error.params))
    return found


def _case_url(reference: str, done: str) -> str:
    return f"/staff/cases/{reference}?done={done}"


async def _apply(
    request: Request[Any, Any, Any],
    services: Services,
    reference: str,
    change: Change,
) -> object:
    """Run ``change`` on the case in one transaction; 404 for an unknown case."""
    staff = current_staff(request)
    client = client_ip(request)

    def unit() -> tuple[bool, object]:
        with services.write() as session:
            case = find_case(session, reference)
            if case is None:
                return False, None
            return True, change(session, case, staff, client)

    found, result = await services.run(unit)
    if not found:
        raise NotFoundException()
    services.outbox_changed()
    return result


def _append(message: str, text: str) -> str:
    message = message.rstrip()
    return f"{message}\n\n{text}" if message else text


@post("/staff/cases/{reference:str}/reply", guards=[requires_agent], include_in_schema=False)
async def case_reply(
    request: Request[Any, Any, Any], services: NamedDependency[Services], reference: FromPath[str]
) -> Response[Any]:
    """Send a public reply or add an internal note; or insert a template or an article link.

    Without JavaScript the "Insert" buttons show the page again with the text added to the
    message; an article chosen but not inserted is added when the reply is sent.
    """
    form = await request.form()
    reply = {
        "message": str(form.get("message") or ""),
        "internal": bool(form.get("internal")),
        "template": str(form.get("template") or ""),
        "article": str(form.get("article") or ""),
    }
    desk = await load_desk(request, services, reference)
    templates = {str(t.id): t.text for t in desk.templates}
    articles = {a.url for a in desk.articles}
    insert = str(form.get("insert") or "")
    if insert == "template" and reply["template"] in templates:
        reply["message"] = _append(reply["message"], templates[reply["template"]])
        reply["template"] = ""
        return await desk_response(request, services, reference, reply=reply)
    if insert == "article" and reply["article"] in articles:
        reply["message"] = _append(reply["message"], reply["article"])
        reply["article"] = ""
        return await desk_response(request, services, reference, reply=reply)
    if insert:  # "Insert" with nothing chosen: nothing to add
        return await desk_response(request, services, reference, reply=reply)

    text = reply["message"]
    if not text.strip() and reply["template"] in templates:
        text = templates[reply["template"]]
    if reply["article"] in articles and reply["article"] not in text:
        text = _append(text, reply["article"])

    def change(session: Session, case: Case, staff: StaffIdentity, client: str) -> object:
        if reply["internal"]:
            return updates.add_internal_note(
                session, case, staff, text, services.clock(), client=client
            )
        return updates.add_public_reply(
            session, case, staff, text, services.settings, services.clock(), client=client
        )

    try:
        await _apply(request, services, reference, change)
    except UpdateError as exc:
        errors = _errors(staff_lang(request), exc)
        return await desk_response(
            request, services, reference, reply=reply, errors=errors, status_code=400
        )
    return Redirect(
        _case_url(desk.case.reference, "note" if reply["internal"] else "reply"), status_code=303
    )


async def _field_change(
    request: Request[Any, Any, Any],
    services: Services,
    reference: str,
    name: str,
    change: Callable[[Session, Case, StaffIdentity, str, str], object],
) -> Response[Any]:
    value = str((await request.form()).get(name) or "")
    try:
        result = await _apply(
            request,
            services,
            reference,
            lambda session, case, staff, client: change(session, case, staff, client, value),
        )
    except UpdateError as exc:
        errors = _errors(staff_lang(request), exc)
        return await desk_response(request, services, reference, errors=errors, status_code=400)
    done = name if result is not None else "unchanged"
    return Redirect(_case_url(normalise_reference(reference), done), status_code=303)


@post("/staff/cases/{reference:str}/status", guards=[requires_agent], include_in_schema=False)
async def case_status(
    request: Request[Any, Any, Any], services: NamedDependency[Services], reference: FromPath[str]
) -> Response[Any]:
    def change(s: Session, case: Case, staff: StaffIdentity, client: str, value: str) -> object:
        return updates.change_status(
            s, case, staff, value, services.settings, services.clock(), client=client
        )

    return await _field_change(request, services, reference, "status", change)


@post("/staff/cases/{reference:str}/category", guards=[requires_agent], include_in_schema=False)
async def case_category(
    request: Request[Any, Any, Any], services: NamedDependency[Services], reference: FromPath[str]
) -> Response[Any]:
    def change(s: Session, case: Case, staff: StaffIdentity, client: str, value: str) -> object:
        return updates.set_category(s, case, staff, value, services.clock(), client=client)

    return await _field_change(request, services, reference, "category", change)


@post("/staff/cases/{reference:str}/priority", guards=[requires_agent], include_in_schema=False)
async def case_priority(
    request: Request[Any, Any, Any], services: NamedDependency[Services], reference: FromPath[str]
) -> Response[Any]:
    def change(s: Session, case: Case, staff: StaffIdentity, client: str, value: str) -> object:
        return updates.set_priority(s, case, staff, value, services.clock(), client=client)

    return await _field_change(request, services, reference, "priority", change)


@post("/staff/cases/{reference:str}/assignee", guards=[requires_agent], include_in_schema=False)
async def case_assignee(
    request: Request[Any, Any, Any], services: NamedDependency[Services], reference: FromPath[str]
) -> Response[Any]:
    def change(s: Session, case: Case, staff: StaffIdentity, client: str, value: str) -> object:
        if value == "me":
            value = str(staff.id)
        if value and not value.isdigit():
            raise UpdateError([FieldError("assignee", UNKNOWN_AGENT)])
        assignee = int(value) if value else None
        if assignee is not None and assignee not in _agent_ids(s):
            raise UpdateError([FieldError("assignee", UNKNOWN_AGENT)])
        return updates.assign(s, case, staff, assignee, services.clock(), client=client)

    return await _field_change(request, services, reference, "assignee", change)


@post("/staff/cases/{reference:str}/handled", guards=[requires_agent], include_in_schema=False)
async def case_handled(
    request: Request[Any, Any, Any], services: NamedDependency[Services], reference: FromPath[str]
) -> Response[Any]:
    """Clear "New from the customer" without replying (a public reply clears it too)."""

    def change(session: Session, case: Case, staff: StaffIdentity, client: str) -> object:
        return updates.mark_handled(session, case, staff, services.clock(), client=client)

    result = await _apply(request, services, reference, change)
    done = "handled" if result is not None else "unchanged"
    return Redirect(_case_url(normalise_reference(reference), done), status_code=303)


def _agent_ids(session: Session) -> set[int]:
    return {a.id for a in list_agents(session)}


route_handlers = [
    case_reply,
    case_status,
    case_category,
    case_priority,
    case_assignee,
    case_handled,
]
