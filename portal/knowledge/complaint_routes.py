"""Articles suggested beside the complaint form while the customer describes the problem.

htmx posts the description (and category) as the customer types, debounced; the answer is up
to three articles, or ``204 No Content`` when they are the ones already shown, so nothing is
swapped and screen readers hear nothing new. Without JavaScript the form simply has no
suggestions. The description is sent in the body, never in a URL, and is not stored: only which
articles were shown and opened, under a keyed hash of a browser-session cookie.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Response, Template

from portal.knowledge.pages import article_url
from portal.knowledge.routes import GUARDS, cookie
from portal.knowledge.site import KnowledgeSite, record_complaint_sent
from portal.knowledge.visitors import SESSION_COOKIE, new_id, valid_id
from portal.services import Services
from portal.settings import Settings
from portal.web.deps import post_limit

log = logging.getLogger(__name__)

DESCRIPTION_MAX = 5000
MIN_LETTERS = 3
# As-you-type requests are frequent: several times the limit of ordinary form posts.
SUGGESTION_LIMIT_FACTOR = 6


def _text(form: Any, name: str, limit: int) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


async def suggest_articles(
    lang: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    knowledge: NamedDependency[KnowledgeSite],
) -> Response[Any]:
    form = await request.form()
    description = _text(form, "description", DESCRIPTION_MAX)
    category = _text(form, "category", 40)
    shown = _text(form, "shown", 1000)
    session_id = request.cookies.get(SESSION_COOKIE)
    cookies = []
    if not valid_id(session_id):
        session_id = new_id()
        cookies.append(cookie(SESSION_COOKIE, session_id, services.settings, None))
    hits = []
    if sum(c.isalpha() for c in description) >= MIN_LETTERS:
        hits = await services.run(
            knowledge.complaint_suggestions, lang, description, category, session_id
        )
    keys = ",".join(h.key for h in hits)
    if keys == shown:
        return Response(
            b"", status_code=204, cookies=cookies, headers={"cache-control": "no-store"}
        )
    links = [
        (hit, article_url(lang, hit.slug, **{"from": "complaint", "pos": n}))
        for n, hit in enumerate(hits, start=1)
    ]
    return Template(
        "kb/_complaint_suggestions.html",
        context={"lang": lang, "links": links, "shown": keys},
        cookies=cookies,
        headers={"cache-control": "no-store"},
    )


async def note_complaint_sent(
    request: Request[Any, Any, Any], services: Services, lang: str
) -> None:
    """Call after a complaint is stored: the reader's suggestion session ends in a submission."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not valid_id(session_id):
        return
    try:
        await services.run_write(
            record_complaint_sent, services.settings.secret_key, lang, session_id
        )
    except Exception:
        log.warning("could not record a sent complaint for the suggestion report", exc_info=True)


def route_handlers(settings: Settings) -> list[HTTPRouteHandler]:
    per_minute = settings.scaled(settings.post_rate_limit_per_minute * SUGGESTION_LIMIT_FACTOR)
    limit = post_limit("suggestions", per_minute, "minute")
    return [
        post(
            "/{lang:str}/complaint/suggestions",
            guards=GUARDS,
            middleware=[limit.middleware],
            include_in_schema=False,
        )(suggest_articles),
    ]
