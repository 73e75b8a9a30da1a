"""The agents' case desk: the queue, one case with its whole timeline, and the actions on it.

Routes only parse, call ``portal.cases`` (queue, desk, updates) and render. Every change is one
transaction together with its audit entry; the page is shown again with the outcome (303).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import File

from portal.cases.attachments import stored_path
from portal.cases.desk import (
    DUE_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    DeskPage,
    desk_page,
    find_case,
    staff_attachment,
)
from portal.cases.labels import CATEGORY_LABELS
from portal.cases.queue import STATUSES, Queue, QueueFilter, load_queue
from portal.cases.time_left import amount_words
from portal.cases.updates import AGENT_STATUSES
from portal.i18n import LANGUAGE_NAMES, N_, gettext
from portal.services import Services
from portal.staff.guards import current_staff, requires_role, staff_lang, staff_template
from portal.staff.models import AGENT

# Only agents open customers' cases (an admin who answers cases holds the agent role too).
requires_agent = requires_role(AGENT)
QUEUE_RESULTS_ID = "queue-results"
# The outcome of an action, shown on the case page after the redirect (``?done=``).
DONE = {
    "reply": N_("Your reply was sent to the customer."),
    "note": N_("Your internal note was added."),
    "status": N_("The status was changed."),
    "category": N_("The category was changed."),
    "priority": N_("The priority was changed."),
    "assignee": N_("The assignee was changed."),
    "handled": N_("Marked as handled: the case has left the “New from the customer” list."),
    "unchanged": N_("Nothing was changed."),
}


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _queue_context(queue: Queue, lang: str) -> dict[str, Any]:
    f = queue.filters
    params = {
        "status": f.status,
        "category": f.category,
        "assignee": f.assignee,
        "lang": f.lang,
        "due": f.due,
        "attention": f.attention,
        "sort": f.sort,
    }
    kept = {k: v for k, v in params.items() if v and not (k == "sort" and v == "due")}
    if f.status == "active":
        kept.pop("status", None)

    def page_url(number: int) -> str:
        query = urlencode({**kept, "page": number} if number > 1 else kept)
        return "/staff/cases" + (f"?{query}" if query else "")

    return {
        "queue": queue,
        "time_left": {r.reference: amount_words(r.left, lang) for r in queue.rows if r.left},
        "statuses": STATUSES,
        "status_labels": STATUS_LABELS,
        "due_labels": DUE_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "category_labels": CATEGORY_LABELS,
        "language_names": LANGUAGE_NAMES,
        "previous_url": page_url(f.page - 1) if f.page > 1 else "",
        "next_url": page_url(f.page + 1) if f.page < queue.pages else "",
    }


@get("/staff/cases", guards=[requires_agent], include_in_schema=False)
async def case_queue(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    status: FromQuery[str] = "active",
    category: FromQuery[str] = "",
    assignee: FromQuery[str] = "",
    lang: FromQuery[str] = "",
    due: FromQuery[str] = "",
    attention: FromQuery[str] = "",
    sort: FromQuery[str] = "due",
    page: FromQuery[str] = "1",
) -> Response[Any]:
    staff = current_staff(request)
    filters = QueueFilter(
        status=status,
        category=category[:24],
        assignee=assignee[:12],
        lang=lang[:8],
        due=due,
        attention=attention,
        sort=sort,
        page=_page_number(page),
    )

    def load() -> Queue:
        with services.read() as session:
            return load_queue(session, filters, me=staff.id, now=services.clock())

    queue = await services.run(load)
    context = _queue_context(queue, staff_lang(request))
    if request.headers.get("hx-target") == QUEUE_RESULTS_ID:
        return staff_template(request, "staff/cases/_queue_results.html", context, active="cases")
    return staff_template(request, "staff/cases/queue.html", context, active="cases")


async def load_desk(request: Request[Any, Any, Any], services: Services, reference: str) -> Any:
    """The case page's context, or 404 for an unknown reference."""
    lang = staff_lang(request)

    def load() -> DeskPage | None:
        with services.read() as session:
            case = find_case(session, reference)
            if case is None:
                return None
            return desk_page(
                session, case, lang, now=services.clock(), base_url=services.settings.base_url
            )

    desk = await services.run(load)
    if desk is None:
        raise NotFoundException()
    return desk


def desk_context(desk: DeskPage) -> dict[str, Any]:
    return {
        "desk": desk,
        "case": desk.case,
        "agent_statuses": AGENT_STATUSES,
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "due_labels": DUE_LABELS,
        "categories": list(CATEGORY_LABELS.items()),
        "language_names": LANGUAGE_NAMES,
    }


@get("/staff/cases/{reference:str}", guards=[requires_agent], include_in_schema=False)
async def case_desk(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    reference: FromPath[str],
    done: FromQuery[str] = "",
) -> Response[Any]:
    lang = staff_lang(request)
    notice = gettext(lang, DONE[done]) if done in DONE else ""
    return await desk_response(request, services, reference, notice=notice)


async def desk_response(
    request: Request[Any, Any, Any],
    services: Services,
    reference: str,
    *,
    notice: str = "",
    reply: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[Any]:
    """The case page, optionally with what the agent typed and what must be corrected."""
    desk = await load_desk(request, services, reference)
    context = desk_context(desk)
    context.update(
        notice=notice,
        reply=reply or {"message": "", "internal": False, "template": "", "article": ""},
        errors=errors or {},
    )
    return staff_template(
        request, "staff/cases/case.html", context, active="cases", status_code=status_code
    )


@get(
    "/staff/cases/{reference:str}/attachments/{attachment_id:int}",
    guards=[requires_agent],
    include_in_schema=False,
)
async def case_attachment(
    services: NamedDependency[Services], reference: FromPath[str], attachment_id: FromPath[int]
) -> Response[Any]:
    """A file the customer sent, always as a download (never rendered by the browser)."""

    def find() -> tuple[str, str, str] | None:
        with services.read() as session:
            found = staff_attachment(session, reference, attachment_id)
            return (found.storage_key, found.filename, found.content_type) if found else None

    found = await services.run(find)
    if found is None:
        raise NotFoundException()
    key, filename, content_type = found
    path = stored_path(services.settings.data_dir, key)
    if not path.is_file():
        raise NotFoundException()
    return File(
        path=path,
        filename=filename,
        media_type=content_type,
        content_disposition_type="attachment",
        headers={"x-content-type-options": "nosniff"},
    )


route_handlers = [case_queue, case_desk, case_attachment]
