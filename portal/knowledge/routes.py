"""Public help-centre routes: home, search (a full page, or its results block for htmx) and the
as-you-type suggestions of the search box in the site header.

The article page and votes are in ``article_routes``, suggestions beside the complaint form in
``complaint_routes``; all share the helpers here.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Response, Template

from portal.knowledge.pages import (
    MAX_PAGE,
    PER_PAGE,
    SearchPage,
    describe,
    search_page,
    search_url,
)
from portal.knowledge.site import KnowledgeSite
from portal.knowledge.visitors import VISITOR_COOKIE, reader_key
from portal.services import Services
from portal.settings import Settings
from portal.web.deps import client_ip, requires_known_language

GUARDS = [requires_known_language]
QUERY_MAX = 200
TYPEAHEAD_LIMIT = 5
HTMX_VARY = {"vary": "HX-Request"}


class BlockTemplate(Template):
    """One block of a page template, for htmx: the page and its partial share one template."""

    def __init__(self, template_name: str, block: str, **kwargs: Any) -> None:
        super().__init__(template_name, **kwargs)
        self.block = block

    def to_asgi_response(self, app: Any, request: Request, **kwargs: Any) -> Any:  # type: ignore[override]
        engine = request.app.template_engine
        template = engine.get_template(self.template_name)  # type: ignore[union-attr, arg-type]
        context = template.new_context(self.create_template_context(request))  # type: ignore[attr-defined]
        body = "".join(template.blocks[self.block](context))  # type: ignore[attr-defined]
        self.content = body.encode(self.encoding)
        self.media_type = "text/html; charset=utf-8"
        return Response.to_asgi_response(self, None, request, **kwargs)


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and not headers.get("hx-history-restore-request")


def provide_knowledge(request: Request[Any, Any, Any]) -> KnowledgeSite:
    return request.app.state.knowledge  # type: ignore[no-any-return]


def cookie(name: str, value: str, settings: Settings, max_age: int | None) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.is_prod,
        max_age=max_age,
    )


def _text(value: object, limit: int = QUERY_MAX) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _page_number(value: object) -> int:
    try:
        return min(max(1, int(str(value))), MAX_PAGE)
    except ValueError:
        return 1


def _reader(request: Request[Any, Any, Any], site: KnowledgeSite) -> str:
    return reader_key(
        site.services.settings.secret_key,
        request.cookies.get(VISITOR_COOKIE),
        client_ip(request),
        request.headers.get("user-agent", ""),
    )


# -- home ---------------------------------------------------------------------------------------


async def show_home(
    lang: FromPath[str],
    services: NamedDependency[Services],
    knowledge: NamedDependency[KnowledgeSite],
) -> Template:
    page = knowledge.homes.get(lang) or await services.run(knowledge.home, lang)
    return Template("public/home.html", context={"lang": lang, "page": page})


# -- search -------------------------------------------------------------------------------------


def run_search(
    site: KnowledgeSite, lang: str, q: str, category: str, page: int, reader: str
) -> SearchPage:
    """Search (or list a category), log it, and build the page; runs in a worker thread."""
    catalogue = site.catalogue(lang)
    if category and not catalogue.has(category):
        category = ""  # an unknown or emptied category: search everything rather than nothing
    if not q:
        built = search_page(lang, q, category, page, catalogue, None)
        if category:
            built.browse = site.browse(lang, category)
        return describe(built, lang)
    results = site.search.search(lang, q, category or None, page, PER_PAGE)
    if not results.hits and results.total and page > 1:  # past the last page
        results = site.search.search(lang, q, category or None, results.pages, PER_PAGE)
    entry = site.log_search(lang, q, results.total, "search", reader)
    return describe(search_page(lang, q, category, results.page, catalogue, results, entry), lang)


async def show_search(
    lang: FromPath[str],
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    knowledge: NamedDependency[KnowledgeSite],
) -> Template:
    params = request.query_params
    q = _text(params.get("q"))
    category = _text(params.get("category"), 120)
    page = await services.run(
        run_search,
        knowledge,
        lang,
        q,
        category,
        _page_number(params.get("page", "1")),
        _reader(request, knowledge),
    )
    context = {"lang": lang, "page": page, "alternates": page.alternates}
    if is_htmx(request):
        # The address bar shows the tidy URL of these results (no empty parameters).
        url = search_url(lang, page.q, page.category, page.results.page if page.results else 1)
        return BlockTemplate(
            "kb/search.html",
            "results",
            context={**context, "htmx": True},
            headers={**HTMX_VARY, "hx-push-url": url},
        )
    return Template("kb/search.html", context=context, headers=HTMX_VARY)


async def show_typeahead(lang: FromPath[str], request: Request[Any, Any, Any]) -> Template:
    """Articles for the header search box while the reader types (an htmx fragment)."""
    # A request per keystroke: no dependency injection (two dependencies cost a task group per
    # request), the help centre straight from the application state, as the article page does.
    knowledge: KnowledgeSite = request.app.state.knowledge
    services = knowledge.services
    q = _text(request.query_params.get("q"))
    reader = _reader(request, knowledge)

    def work() -> tuple[list[Any], str]:
        if not q:
            return [], ""
        found = knowledge.search.suggest(lang, q, TYPEAHEAD_LIMIT)
        entry = knowledge.log_search(lang, q, len(found), "typeahead", reader)
        return found, entry

    suggestions, entry = await services.run(work)
    return Template(
        "kb/_typeahead.html",
        context={"lang": lang, "q": q, "suggestions": suggestions, "entry": entry},
        headers={**HTMX_VARY, "cache-control": "no-store"},
    )


def knowledge_route_handlers(settings: Settings) -> list[HTTPRouteHandler]:
    from portal.knowledge import article_routes, complaint_routes

    return [
        get("/{lang:str}/", guards=GUARDS, name="home")(show_home),
        get("/{lang:str}/search", guards=GUARDS, name="search")(show_search),
        get("/{lang:str}/search/suggest", guards=GUARDS, include_in_schema=False)(show_typeahead),
        *article_routes.route_handlers(settings),
        *complaint_routes.route_handlers(settings),
    ]
