"""The customer's side of the conversation on the status page: add information, answer "solved?".

Both forms work as plain POSTs (303 back to the page, or the page again with messages next to the
fields and everything typed kept). With htmx the page's status and timeline refresh themselves
from ``/live``. Each POST is rate-limited per client and needs the CSRF token, and only the
holder of the case's cookie gets anywhere.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from portal.cases.access import token_for
from portal.cases.attachments import MAX_REQUEST_BYTES, settle
from portal.cases.form_token import new_submission_id
from portal.cases.lookup import acknowledgement_queued, case_for_viewer
from portal.cases.pages import CasePage, case_page, feedback_form, message_form
from portal.cases.routes import (
    GUARDS,
    PRIVATE_HEADERS,
    case_cookie,
    case_not_found,
    cookie_name,
)
from portal.cases.updates import (
    Feedback,
    UpdateError,
    add_customer_message,
    answer_solved,
    check_message,
    first_access,
)
from portal.db.base import utcnow
from portal.services import Services
from portal.settings import Settings
from portal.web.deps import post_limit
from portal.web.forms import form_attachments, form_text

MAX_SUBMISSION_ID = 64


def conversation_route_handlers(settings: Settings) -> list[HTTPRouteHandler]:
    per_minute = settings.scaled(settings.post_rate_limit_per_minute)
    message_limit = post_limit("case_message", per_minute, "minute")
    feedback_limit = post_limit("case_feedback", per_minute, "minute")
    return [
        get("/{lang:str}/case/{reference:str}/live", guards=GUARDS, include_in_schema=False)(
            show_case_live
        ),
        post(
            "/{lang:str}/case/{reference:str}/messages",
            guards=GUARDS,
            middleware=[message_limit.middleware],
            request_max_body_size=MAX_REQUEST_BYTES,
            include_in_schema=False,
        )(send_case_message),
        post(
            "/{lang:str}/case/{reference:str}/feedback",
            guards=GUARDS,
            middleware=[feedback_limit.middleware],
            include_in_schema=False,
        )(send_feedback),
    ]


def _status_page(lang: str, page: CasePage, status_code: int = 200) -> Template:
    return Template(
        "cases/status.html",
        context={"lang": lang, "page": page},
        status_code=status_code,
        headers=PRIVATE_HEADERS,
    )


async def show_case_live(
    lang: FromPath[str],
    reference: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    asking: FromQuery[str] = "",
) -> Response[Any]:
    """The status and timeline block alone, for the page's htmx refresh.

    ``asking`` is "1" when the page already shows "Is your problem solved?"; when it does not
    and the case now asks, the question comes along out of band, so a customer watching the page
    can answer without reloading it (and a form being filled in is never replaced).
    """
    token = request.cookies.get(cookie_name(reference))

    def load() -> CasePage | None:
        with services.read() as session:
            case = case_for_viewer(session, reference, token)
            if case is None:
                return None
            return case_page(lang, case, acknowledgement_queued(session, case.id))

    page = await services.run(load)
    if page is None:
        return case_not_found(lang)
    return Template(
        "cases/_live_update.html",
        context={"lang": lang, "page": page, "show_solved": page.asks_feedback and asking != "1"},
        headers={**PRIVATE_HEADERS, "vary": "HX-Request"},
    )


async def send_case_message(
    lang: FromPath[str],
    reference: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
) -> Response[Any]:
    """Add information (text and files, same limits as the complaint form) to the timeline."""
    settings = services.settings
    token = request.cookies.get(cookie_name(reference))
    form = await request.form()
    text = form_text(form, "message")
    submission_id = form_text(form, "submission_id")
    if not submission_id or len(submission_id) > MAX_SUBMISSION_ID:
        submission_id = new_submission_id()
    collected = await form_attachments(form, services, submission_id)
    now = utcnow()

    def store() -> tuple[str, CasePage | None]:
        with services.write() as session:
            case = case_for_viewer(session, reference, token)
            if case is None:
                return "missing", None
            try:
                check_message(text, attachments=len(collected.files))
                if collected.problems:
                    raise UpdateError([])
                add_customer_message(session, case, text, collected.files, settings, now)
            except UpdateError as error:
                form_state = message_form(
                    lang, text, submission_id, error.errors, collected.problems, collected.files
                )
                page = case_page(
                    lang, case, acknowledgement_queued(session, case.id), message=form_state
                )
                return "invalid", page
            return "stored", None

    outcome, page = await services.run(store)
    if outcome == "missing":
        return case_not_found(lang)
    if page is not None:
        return _status_page(lang, page, 422)
    if collected.files:
        await services.run(settle, settings.data_dir, collected.files)
    services.outbox_changed()
    return Redirect(
        f"/{lang}/case/{reference}?sent=message#timeline", status_code=303, headers=PRIVATE_HEADERS
    )


async def send_feedback(
    lang: FromPath[str],
    reference: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
) -> Response[Any]:
    """ "Is your problem solved?": yes closes; no reopens, or opens a linked case after 14 days."""
    settings = services.settings
    token = request.cookies.get(cookie_name(reference))
    form = await request.form()
    data = Feedback(
        answer=form_text(form, "answer"),
        rating=form_text(form, "rating"),
        comment=form_text(form, "comment"),
    )
    now = utcnow()

    def store() -> tuple[str, CasePage | None, str]:
        with services.write() as session:
            case = case_for_viewer(session, reference, token)
            if case is None:
                return "missing", None, ""
            try:
                current = answer_solved(session, case, data, settings, now)
            except UpdateError as error:
                state = feedback_form(lang, data.answer, data.rating, data.comment, error.errors)
                page = case_page(
                    lang, case, acknowledgement_queued(session, case.id), feedback=state
                )
                return "invalid", page, ""
            if current.id == case.id:
                return "stored", None, ""
            access = first_access(session, current, settings)
            return current.reference, None, token_for(access.nonce, settings.secret_key)

    outcome, page, new_token = await services.run(store)
    if outcome == "missing":
        return case_not_found(lang)
    if page is not None:
        return _status_page(lang, page, 422)
    services.outbox_changed()
    if new_token:
        # "Not solved" too long after the resolution: a new linked case, opened by this browser.
        return Redirect(
            f"/{lang}/case/{outcome}",
            status_code=303,
            headers={**PRIVATE_HEADERS, **case_cookie(outcome, new_token, settings)},
        )
    return Redirect(
        f"/{lang}/case/{reference}?sent=answer#timeline", status_code=303, headers=PRIVATE_HEADERS
    )
