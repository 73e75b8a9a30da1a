"""The article page and "Was this helpful?".

Reading an article costs no database work once it is cached (the view is counted in memory).
Links from search results and suggestions carry where they came from (``from``, ``pos`` and a
signed search-log id — never the query), which is recorded for the reports.

A vote works as a plain form (POST, then back to the article) and with htmx (the feedback block
is swapped in place). One vote per visitor and article: the visitor is a random id in a cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from kb.feedback import COMMENT_MAX
from portal.i18n import gettext
from portal.knowledge.pages import ArticlePage
from portal.knowledge.routes import GUARDS, BlockTemplate, cookie, is_htmx
from portal.knowledge.site import KnowledgeSite
from portal.knowledge.visitors import (
    SESSION_COOKIE,
    VISITOR_COOKIE,
    VISITOR_MAX_AGE,
    new_id,
    unsign_entry,
    valid_id,
)
from portal.services import Services
from portal.settings import Settings
from portal.web.deps import post_limit

ASK, THANKS = "ask", "thanks"  # after "no": ask what was missing; after a vote or comment
STATES = ("", ASK, THANKS)


@dataclass(frozen=True)
class Feedback:
    """The state of the "Was this helpful?" block."""

    state: str = ""
    comment: str = ""
    error: str = ""
    comment_max: int = COMMENT_MAX


def _position(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 6 else None


async def _page(services: Services, site: KnowledgeSite, lang: str, slug: str) -> ArticlePage:
    page = site.articles.get((lang, slug)) or await services.run(site.article, lang, slug)
    if page is None:
        raise NotFoundException()
    return page


def _context(lang: str, page: ArticlePage, feedback: Feedback) -> dict[str, Any]:
    return {"lang": lang, "page": page, "alternates": page.alternates, "feedback": feedback}


async def show_article(
    lang: FromPath[str], slug: FromPath[str], request: Request[Any, Any, Any]
) -> Template:
    # The busiest page: no dependency injection (two dependencies cost a task group per
    # request), the help centre straight from the application state.
    knowledge: KnowledgeSite = request.app.state.knowledge
    services = knowledge.services
    page = await _page(services, knowledge, lang, slug)
    knowledge.search.views.add(page.translation_id)
    params = request.query_params
    origin, position = params.get("from"), _position(params.get("pos"))
    if origin in ("search", "typeahead") and position:
        entry = unsign_entry(services.settings.secret_key, params.get("q_id"))
        if entry is not None:
            await services.run(knowledge.record_open, entry, page.key, position)
    elif origin == "complaint":
        session_id = request.cookies.get(SESSION_COOKIE)
        if valid_id(session_id):
            await services.run(
                knowledge.record_suggestion_click, lang, session_id, page.key, position
            )
    state = params.get("feedback", "")
    feedback = Feedback(state=state if state in STATES else "")
    return Template("kb/article.html", context=_context(lang, page, feedback))


async def send_feedback(
    lang: FromPath[str],
    slug: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    knowledge: NamedDependency[KnowledgeSite],
) -> Response[Any]:
    page = await _page(services, knowledge, lang, slug)
    form = await request.form()
    helpful = form.get("helpful")
    comment = form.get("comment")
    comment = comment.strip() if isinstance(comment, str) else ""
    error = ""
    if helpful not in ("yes", "no"):
        error = gettext(lang, "Please choose yes or no.")
    elif len(comment) > COMMENT_MAX:
        error = gettext(
            lang,
            "Your comment is too long: please keep it under %(limit)s characters.",
            limit=COMMENT_MAX,
        )
    visitor = request.cookies.get(VISITOR_COOKIE)
    cookies = []
    if not valid_id(visitor):
        visitor = new_id()
        cookies.append(cookie(VISITOR_COOKIE, visitor, services.settings, VISITOR_MAX_AGE))
    if error:
        feedback = Feedback(state=ASK if helpful == "no" else "", comment=comment, error=error)
    else:
        await services.run(
            knowledge.record_vote, page.translation_id, visitor, helpful == "yes", comment
        )
        feedback = Feedback(state=ASK if helpful == "no" and not comment else THANKS)
    context = _context(lang, page, feedback)
    if is_htmx(request):  # htmx swaps only 2xx answers: an error is shown with 200 too
        return BlockTemplate("kb/article.html", "feedback", context=context, cookies=cookies)
    if error:
        return Template("kb/article.html", context=context, status_code=422, cookies=cookies)
    return Redirect(
        f"{page.url}?feedback={feedback.state}#kb_feedback", status_code=303, cookies=cookies
    )


def route_handlers(settings: Settings) -> list[HTTPRouteHandler]:
    limit = post_limit("feedback", settings.scaled(settings.post_rate_limit_per_minute), "minute")
    return [
        get("/{lang:str}/kb/{slug:str}", guards=GUARDS, name="article")(show_article),
        post(
            "/{lang:str}/kb/{slug:str}/feedback",
            guards=GUARDS,
            middleware=[limit.middleware],
            name="article_feedback",
        )(send_feedback),
    ]
