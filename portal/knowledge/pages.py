"""What the help-centre pages show, in the reader's language: one typed context per page.

Builders run in a worker thread with a database session and the search service; routes only
parse, call them (or take the result from the cache) and render. An article page costs one
database read — the translation with its article and category — and nothing when cached: the
other languages and related articles come from the search index, the rendered Markdown from the
renderer's cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.categories import list_categories
from kb.feedback import popular
from kb.markdown import TocEntry, render
from kb.models import PUBLISHED, Article, Category, Translation
from kb.reading import get_by_slug, list_translations
from kb.search import SearchResults
from portal.i18n import LANGUAGE_NAMES, LANGUAGES, gettext, ngettext
from portal.knowledge.service import SearchService

T = TypeVar("T")
PAGE_TTL = 60.0  # seconds; changes made by another process show up at the latest after this
TOC_MIN_ENTRIES = 3
PER_PAGE = 10
MAX_PAGE = 50
SNIPPET_CHARS = 200


class PageCache(Generic[T]):
    """Built pages by key, dropped on every knowledge-base change and after ``ttl`` seconds."""

    def __init__(self, ttl: float = PAGE_TTL, capacity: int = 2000) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._items: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> T | None:
        item = self._items.get(key)
        if item is None or item[0] < time.monotonic():
            return None
        return item[1]

    def put(self, key: Hashable, value: T) -> T:
        with self._lock:
            if len(self._items) >= self.capacity:
                self._items.clear()
            self._items[key] = (time.monotonic() + self.ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items = {}


# -- shared pieces ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryLink:
    key: str
    name: str
    description: str
    count: int
    url: str


@dataclass(frozen=True)
class ArticleLink:
    title: str
    url: str
    summary: str = ""


def article_url(lang: str, slug: str, **tracking: object) -> str:
    query = urlencode({k: v for k, v in tracking.items() if v not in (None, "")})
    return f"/{lang}/kb/{slug}" + (f"?{query}" if query else "")


def search_url(lang: str, q: str = "", category: str = "", page: int = 1) -> str:
    params = {"q": q, "category": category, "page": page if page > 1 else ""}
    query = urlencode({k: v for k, v in params.items() if v not in ("", None)})
    return f"/{lang}/search" + (f"?{query}" if query else "")


def complaint_url(lang: str, description: str = "") -> str:
    if not description:
        return f"/{lang}/complaint"
    return f"/{lang}/complaint?" + urlencode({"description": description})


@dataclass(frozen=True)
class Catalogue:
    """A language's categories with their published article counts (home and search filter)."""

    categories: list[CategoryLink]

    def name(self, key: str | None) -> str:
        return next((c.name for c in self.categories if c.key == key), "")

    def has(self, key: str) -> bool:
        return any(c.key == key for c in self.categories)


def load_catalogue(session: Session, lang: str) -> Catalogue:
    counts = dict(
        session.execute(
            select(Article.category_id, func.count(Translation.id))
            .join(Translation, Translation.article_id == Article.id)
            .where(Translation.lang == lang, Translation.status == PUBLISHED)
            .group_by(Article.category_id)
        ).all()
    )
    links = [
        CategoryLink(
            c.key,
            c.name(lang),
            c.description(lang),
            int(counts.get(c.id, 0)),
            search_url(lang, category=c.key),
        )
        for c in list_categories(session)
    ]
    return Catalogue([c for c in links if c.count])


# -- home ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePage:
    catalogue: Catalogue
    popular: list[ArticleLink]


def load_home(session: Session, lang: str) -> HomePage:
    return HomePage(
        catalogue=load_catalogue(session, lang),
        popular=[
            ArticleLink(t.title, article_url(lang, t.slug), t.summary)
            for t in popular(session, lang)
        ],
    )


# -- search -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultView:
    position: int
    title_html: Markup
    snippet_html: Markup
    url: str
    category: str


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


@dataclass
class SearchPage:
    q: str
    category: str
    catalogue: Catalogue
    results: SearchResults | None = None
    hits: list[ResultView] = field(default_factory=list)
    browse: list[ArticleLink] = field(default_factory=list)  # a category without a query
    did_you_mean: str = ""
    did_you_mean_url: str = ""
    pages: list[PageLink] = field(default_factory=list)
    previous_url: str = ""
    next_url: str = ""
    complaint_url: str = ""
    alternates: dict[str, str] = field(default_factory=dict)
    status: str = ""  # one sentence for the live region: how many results

    @property
    def total(self) -> int:
        return self.results.total if self.results else 0

    @property
    def category_name(self) -> str:
        return self.catalogue.name(self.category)


def search_page(
    lang: str,
    q: str,
    category: str,
    page: int,
    catalogue: Catalogue,
    results: SearchResults | None,
    entry: str = "",
) -> SearchPage:
    """The search page for ``results`` (None when there was no query). ``entry`` is the signed
    search-log id that result links carry, so the log learns which result was opened."""
    built = SearchPage(
        q=q,
        category=category,
        catalogue=catalogue,
        results=results,
        alternates={code: search_url(code, q) for code in LANGUAGES},
    )
    if results is None:
        return built
    first = (results.page - 1) * results.per_page
    built.hits = [
        ResultView(
            position=first + n,
            title_html=Markup(hit.title_html),  # noqa: S704 - escaped by kb.search, only <mark>
            snippet_html=Markup(hit.snippet_html),  # noqa: S704
            url=article_url(lang, hit.slug, **{"from": "search", "pos": first + n, "q_id": entry}),
            category=catalogue.name(hit.category),
        )
        for n, hit in enumerate(results.hits, start=1)
    ]
    if results.did_you_mean:
        built.did_you_mean = results.did_you_mean
        built.did_you_mean_url = search_url(lang, results.did_you_mean, category)
    pages = min(results.pages, MAX_PAGE)
    if pages > 1:
        built.pages = [
            PageLink(n, search_url(lang, q, category, n), n == results.page)
            for n in range(1, pages + 1)
        ]
        if results.page > 1:
            built.previous_url = search_url(lang, q, category, results.page - 1)
        if results.page < pages:
            built.next_url = search_url(lang, q, category, results.page + 1)
    if not results.total:
        built.complaint_url = complaint_url(lang, q)
    return built


def describe(page: SearchPage, lang: str) -> SearchPage:
    """Fill in the sentence screen readers hear when the results change."""
    if page.results is not None:
        if page.total:
            page.status = ngettext(
                lang,
                "%(num)s article matches “%(query)s”.",
                "%(num)s articles match “%(query)s”.",
                page.total,
                query=page.q,
            )
        else:
            page.status = gettext(lang, "No articles match “%(query)s”.", query=page.q)
    elif page.category:
        page.status = ngettext(
            lang,
            "%(num)s article in %(category)s.",
            "%(num)s articles in %(category)s.",
            len(page.browse),
            category=page.category_name,
        )
    return page


def load_browse(session: Session, lang: str, category: str) -> list[ArticleLink]:
    return [
        ArticleLink(t.title, article_url(lang, t.slug), t.summary)
        for t in list_translations(session, lang=lang, status=PUBLISHED, category=category)
    ]


# -- article ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alternate:
    lang: str
    language: str
    title: str
    url: str


@dataclass(frozen=True)
class ArticlePage:
    translation_id: int
    key: str
    lang: str
    slug: str
    title: str
    summary: str
    html: Markup
    toc: Sequence[TocEntry]
    category_key: str | None
    category_name: str
    updated_at: datetime
    other_languages: list[Alternate]
    alternates: Mapping[str, str]  # language switcher: the translated article, else home
    related: list[ArticleLink]
    url: str


def load_article(
    session: Session, search: SearchService, lang: str, slug: str
) -> ArticlePage | None:
    """The published article, or None (unknown, draft and archived articles are not public)."""
    translation = get_by_slug(session, lang, slug)
    if translation is None:
        return None
    return article_page(translation, search)


def article_page(translation: Translation, search: SearchService) -> ArticlePage:
    lang, key = translation.lang, translation.article.key
    category: Category | None = translation.article.category
    rendered = render(translation.body_md or "", internal_hosts=search.internal_hosts)
    siblings = [s for s in search.siblings(key) if s.lang != lang]
    alternates = {code: f"/{code}/" for code in LANGUAGES}
    alternates[lang] = article_url(lang, translation.slug)
    others = []
    for sibling in siblings:
        if sibling.lang in LANGUAGE_NAMES:
            url = article_url(sibling.lang, sibling.slug)
            alternates[sibling.lang] = url
            others.append(Alternate(sibling.lang, LANGUAGE_NAMES[sibling.lang], sibling.title, url))
    about = " ".join([translation.title, *(translation.tags or [])])
    related = search.related(lang, key, about, category.key if category else None)
    return ArticlePage(
        translation_id=translation.id,
        key=key,
        lang=lang,
        slug=translation.slug,
        title=translation.title,
        summary=translation.summary or "",
        html=Markup(rendered.html),  # noqa: S704 - sanitised by kb.markdown (nh3)
        toc=rendered.toc if len(rendered.toc) >= TOC_MIN_ENTRIES else (),
        category_key=category.key if category else None,
        category_name=category.name(lang) if category else "",
        updated_at=translation.updated_at,
        other_languages=others,
        alternates=alternates,
        related=[ArticleLink(h.title, article_url(lang, h.slug)) for h in related],
        url=article_url(lang, translation.slug),
    )
