"""Public case routes: the complaint form, confirmation, status page, files and finding a case.

A case is opened by its status-link token, kept in an HttpOnly cookie per case (``svar_case_<REF>``)
so the page URL never carries the secret. Every case page is ``no-store`` and sends no Referer.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any

import anyio
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Response, Template
from sqlalchemy.orm import Session

from portal.cases.access import case_for_token
from portal.cases.attachments import MAX_REQUEST_BYTES, settle, stored_path
from portal.cases.form_token import issue, seconds_since_issued
from portal.cases.intake import (
    MAX_DESCRIPTION,
    ComplaintInput,
    Submission,
    submit_complaint,
    validate_complaint,
)
from portal.cases.lookup import (
    TrackInput,
    acknowledgement_queued,
    attachment_for_viewer,
    case_for_viewer,
    request_case_link,
    validate_track,
)
from portal.cases.pages import (
    CasePage,
    PromiseRow,
    case_page,
    complaint_page,
    promise_rows,
    track_page,
)
from portal.db.base import utcnow
from portal.i18n import N_
from portal.knowledge.complaint_routes import note_complaint_sent
from portal.services import Services
from portal.settings import Settings
from portal.web.deps import post_limit, requires_known_language
from portal.web.forms import form_attachments, form_text

CASE_COOKIE_PREFIX = "svar_case_"
CASE_COOKIE_MAX_AGE = 30 * 24 * 3600
PRIVATE_HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer"}
HONEYPOT = "website"
COMPLAINT_FIELDS = ("email", "description", "name", "phone", "category", "desired_outcome",
                    "order_ref")  # fmt: skip
# Both outcomes of a track request take at least this long, so timing reveals nothing.
TRACK_MIN_SECONDS = 0.25
CHECK_AGAIN = N_(
    "Please check your complaint and send it again. We have kept everything you wrote."
)
GUARDS = [requires_known_language]


def case_route_handlers(settings: Settings) -> list[HTTPRouteHandler]:
    """The handlers, with per-client POST rate limits taken from ``settings``."""
    complaint_limit = post_limit(
        "complaint", settings.scaled(settings.complaint_rate_limit_per_hour), "hour"
    )
    track_limit = post_limit("track", settings.scaled(settings.track_rate_limit_per_hour), "hour")
    return [
        get("/{lang:str}/complaint", guards=GUARDS, name="complaint")(show_complaint_form),
        post(
            "/{lang:str}/complaint",
            guards=GUARDS,
            middleware=[complaint_limit.middleware],
            request_max_body_size=MAX_REQUEST_BYTES,
            name="complaint_submit",
        )(send_complaint),
        get("/{lang:str}/c/{token:str}", guards=GUARDS, include_in_schema=False)(open_status_link),
        get("/{lang:str}/case/{reference:str}", guards=GUARDS, include_in_schema=False)(show_case),
        get(
            "/{lang:str}/case/{reference:str}/confirmation", guards=GUARDS, include_in_schema=False
        )(show_confirmation),
        get(
            "/{lang:str}/case/{reference:str}/attachments/{attachment_id:int}",
            guards=GUARDS,
            include_in_schema=False,
        )(download_attachment),
        get("/{lang:str}/track", guards=GUARDS, name="track")(show_track_form),
        post("/{lang:str}/track", guards=GUARDS, middleware=[track_limit.middleware])(send_track),
    ]


def cookie_name(reference: str) -> str:
    return CASE_COOKIE_PREFIX + reference


def case_cookie(reference: str, token: str, settings: Settings) -> dict[str, str]:
    """The ``Set-Cookie`` header that keeps a case's status-link token in this browser.

    Written with the standard library's cookie writer, which Litestar's ``Cookie`` also ends in,
    without the deep copy of the cookie that Litestar's makes first (17 µs instead of 67 µs, on
    every complaint sent).
    """
    name = cookie_name(reference)
    jar: SimpleCookie = SimpleCookie()
    jar[name] = token
    jar[name].update(
        {
            "path": "/",
            "httponly": True,
            "samesite": "lax",
            "secure": settings.is_prod,
            "max-age": str(CASE_COOKIE_MAX_AGE),
        }
    )
    return {"set-cookie": jar[name].OutputString()}


def case_not_found(lang: str) -> Template:
    """The one 404 for every way a case cannot be opened: missing, wrong or altered."""
    return Template(
        "public/error.html",
        context={"lang": lang, "status": 404},
        status_code=404,
        headers=PRIVATE_HEADERS,
    )


# -- the complaint form -------------------------------------------------------------------------


async def _promises(services: Services, lang: str, now: datetime) -> list[PromiseRow]:
    """The promise per kind of problem for a complaint sent now, shown on the form."""

    def load() -> list[PromiseRow]:
        with services.read() as session:
            return promise_rows(session, lang, now)

    return await services.run(load)


async def show_complaint_form(
    lang: FromPath[str], services: NamedDependency[Services], description: FromQuery[str] = ""
) -> Template:
    """The form; ``?description=`` fills in the description (a search that found nothing)."""
    now = utcnow()
    token = issue(services.settings.secret_key, now)
    values = {"description": description[:MAX_DESCRIPTION]} if description.strip() else {}
    page = complaint_page(
        lang,
        values=values,
        submission_id=token.submission_id,
        form_token=token.token,
        now=now,
        promises=await _promises(services, lang, now),
    )
    return Template("cases/complaint.html", context={"lang": lang, "page": page})


async def send_complaint(
    lang: FromPath[str], request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    settings = services.settings
    now = utcnow()
    form = await request.form()
    values = {name: form_text(form, name) for name in COMPLAINT_FIELDS}
    data = ComplaintInput(**values, lang=lang, submission_id=form_text(form, "submission_id"))
    fresh = issue(settings.secret_key, now, data.submission_id)
    collected = await form_attachments(form, services, fresh.submission_id)
    checked = validate_complaint(data)
    elapsed = seconds_since_issued(
        settings.secret_key, form_text(form, "form_token"), data.submission_id, now
    )
    automated = (
        bool(form_text(form, HONEYPOT))
        or elapsed is None
        or elapsed < settings.complaint_min_fill_seconds
    )
    if automated or not checked.ok or collected.problems:
        # Nothing is stored; the form comes back with every field and file kept.
        page = complaint_page(
            lang,
            values=values,
            submission_id=fresh.submission_id,
            form_token=fresh.token,
            now=now,
            promises=await _promises(services, lang, now),
            errors=checked.errors,
            problems=collected.problems,
            staged=collected.files,
            notice=CHECK_AGAIN if automated else "",
        )
        invalid = bool(checked.errors or collected.problems)
        return Template(
            "cases/complaint.html",
            context={"lang": lang, "page": page},
            status_code=422 if invalid else 200,
        )

    def store(session: Session) -> Submission:
        complaint = replace(checked.value, submission_id=fresh.submission_id)
        return submit_complaint(session, complaint, collected.files, settings, now)

    submission = await services.run_write(store)
    services.outbox_changed()
    await note_complaint_sent(request, services, lang)  # for the suggestion report
    if submission.created and collected.files:
        await services.run(settle, settings.data_dir, collected.files)
    return Redirect(
        f"/{lang}/case/{submission.reference}/confirmation",
        status_code=303,
        headers={
            **PRIVATE_HEADERS,
            **case_cookie(submission.reference, submission.token, settings),
        },
    )


# -- opening a case -----------------------------------------------------------------------------


async def open_status_link(
    lang: FromPath[str], token: FromPath[str], services: NamedDependency[Services]
) -> Response[Any]:
    """The link from an email: swap the secret for a cookie and go to a URL without it."""

    def find() -> str | None:
        with services.read() as session:
            case = case_for_token(session, token)
            return case.reference if case is not None else None

    reference = await services.run(find)
    if reference is None:
        return case_not_found(lang)
    return Redirect(
        f"/{lang}/case/{reference}",
        status_code=303,
        headers={**PRIVATE_HEADERS, **case_cookie(reference, token, services.settings)},
    )


async def _viewer_page(
    services: Services, lang: str, reference: str, token: str | None
) -> CasePage | None:
    def load() -> CasePage | None:
        with services.read() as session:
            case = case_for_viewer(session, reference, token)
            if case is None:
                return None
            return case_page(lang, case, acknowledgement_queued(session, case.id))

    return await services.run(load)


async def show_confirmation(
    lang: FromPath[str],
    reference: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
) -> Response[Any]:
    page = await _viewer_page(
        services, lang, reference, request.cookies.get(cookie_name(reference))
    )
    if page is None:
        return case_not_found(lang)
    return Template(
        "cases/confirmation.html", context={"lang": lang, "page": page}, headers=PRIVATE_HEADERS
    )


async def show_case(
    lang: FromPath[str],
    reference: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    sent: FromQuery[str] = "",
) -> Response[Any]:
    """The status page; ``sent`` (message, answer) thanks the customer for what they just sent."""
    page = await _viewer_page(
        services, lang, reference, request.cookies.get(cookie_name(reference))
    )
    if page is None:
        return case_not_found(lang)
    context = {"lang": lang, "page": page, "sent": sent if sent in ("message", "answer") else ""}
    return Template("cases/status.html", context=context, headers=PRIVATE_HEADERS)


async def download_attachment(
    lang: FromPath[str],
    reference: FromPath[str],
    attachment_id: FromPath[int],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
) -> Response[Any]:
    token = request.cookies.get(cookie_name(reference))

    def find() -> tuple[str, str, str] | None:
        with services.read() as session:
            found = attachment_for_viewer(session, reference, token, attachment_id)
            return (found.storage_key, found.filename, found.content_type) if found else None

    found = await services.run(find)
    if found is None:
        return case_not_found(lang)
    key, filename, content_type = found
    path = stored_path(services.settings.data_dir, key)
    if not path.is_file():
        return case_not_found(lang)
    return File(
        path=path,
        filename=filename,
        media_type=content_type,
        content_disposition_type="attachment",
        headers={**PRIVATE_HEADERS, "x-content-type-options": "nosniff"},
    )


# -- finding a case again -----------------------------------------------------------------------


async def show_track_form(lang: FromPath[str], sent: FromQuery[bool] = False) -> Template:
    page = track_page(lang, values={}, sent=sent)
    return Template("cases/track.html", context={"lang": lang, "page": page})


async def send_track(
    lang: FromPath[str], request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Always the same answer; only a matching reference and email queue an email."""
    started = time.monotonic()
    form = await request.form()
    values = {"reference": form_text(form, "reference"), "email": form_text(form, "email")}
    data = TrackInput(**values, lang=lang)
    checked = validate_track(data)
    if checked.errors:
        page = track_page(lang, values=values, errors=checked.errors)
        return Template("cases/track.html", context={"lang": lang, "page": page}, status_code=422)

    def run() -> bool:
        with services.write() as session:
            return request_case_link(session, data, services.settings)

    if await services.run(run):
        services.outbox_changed()
    await anyio.sleep(max(0.0, TRACK_MIN_SECONDS - (time.monotonic() - started)))
    return Redirect(f"/{lang}/track?sent=1", status_code=303)
