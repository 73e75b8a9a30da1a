"""The help centre of one running portal: the search service, page caches and the bookkeeping
(views, votes, search log, suggestion events) that its routes call.

Every method here is synchronous and meant for a worker thread (``services.run``), except the
cache look-ups, which are cheap enough for the event loop.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio.to_thread
from sqlalchemy.orm import Session

from kb.feedback import record_vote
from kb.search import Hit
from kb.search_log import log_search, record_open
from kb.suggestion_events import record_click, record_impressions, record_submitted
from portal.knowledge.pages import (
    ArticleLink,
    ArticlePage,
    Catalogue,
    HomePage,
    PageCache,
    load_article,
    load_browse,
    load_catalogue,
    load_home,
)
from portal.knowledge.service import SearchService
from portal.knowledge.visitors import RecentSearches, keyed_hash, sign_entry
from portal.services import Services

log = logging.getLogger(__name__)


@dataclass
class KnowledgeSite:
    services: Services
    search: SearchService
    articles: PageCache[ArticlePage] = field(default_factory=PageCache)
    homes: PageCache[HomePage] = field(default_factory=PageCache)
    catalogues: PageCache[Catalogue] = field(default_factory=PageCache)
    recent: RecentSearches = field(default_factory=RecentSearches)

    @classmethod
    def build(cls, services: Services) -> KnowledgeSite:
        site = cls(services, SearchService(services))
        site.search.invalidators.append(site.clear_caches)
        return site

    def clear_caches(self) -> None:
        self.articles.clear()
        self.homes.clear()
        self.catalogues.clear()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[KnowledgeSite]:
        """Open (or repair) the index before the first request; stop indexing at shutdown."""
        await anyio.to_thread.run_sync(self.search.start)
        # The index, its vocabularies and everything loaded so far live as long as the process:
        # keep them out of the cyclic garbage collector's passes, which every request triggers.
        gc.collect()
        gc.freeze()
        try:
            yield self
        finally:
            gc.unfreeze()  # an app stopped inside a longer process (tests) may be collected
            await anyio.to_thread.run_sync(self.search.stop)

    def hash(self, purpose: str, value: str) -> str:
        return keyed_hash(self.services.settings.secret_key, purpose, value)

    # Pages -------------------------------------------------------------------------------------

    def home(self, lang: str) -> HomePage:
        page = self.homes.get(lang)
        if page is None:
            with self.services.read() as session:
                page = self.homes.put(lang, load_home(session, lang))
        return page

    def catalogue(self, lang: str) -> Catalogue:
        found = self.catalogues.get(lang)
        if found is None:
            with self.services.read() as session:
                found = self.catalogues.put(lang, load_catalogue(session, lang))
        return found

    def browse(self, lang: str, category: str) -> list[ArticleLink]:
        with self.services.read() as session:
            return load_browse(session, lang, category)

    def article(self, lang: str, slug: str) -> ArticlePage | None:
        found = self.articles.get((lang, slug))
        if found is None:
            with self.services.read() as session:
                found = load_article(session, self.search, lang, slug)
            if found is not None:
                self.articles.put((lang, slug), found)
        return found

    # Bookkeeping -------------------------------------------------------------------------------

    def log_search(self, lang: str, q: str, count: int, source: str, reader: str) -> str:
        """Log a search (or continue the reader's last one); returns the signed entry id for
        result links, or "" when logging failed (search never fails because of its log)."""
        try:
            with self.services.write() as session:
                entry = log_search(
                    session,
                    lang=lang,
                    query=q,
                    result_count=count,
                    source=source,
                    previous_id=self.recent.get(reader),
                )
        except Exception:
            log.warning("could not log a search", exc_info=True)
            return ""
        if entry is None:
            return ""
        self.recent.put(reader, entry)
        return sign_entry(self.services.settings.secret_key, entry)

    def record_open(self, entry: int, key: str, position: int) -> None:
        try:
            with self.services.write() as session:
                record_open(session, entry, key, position)
        except Exception:
            log.warning("could not record an opened search result", exc_info=True)

    def record_vote(
        self, translation_id: int, visitor: str, helpful: bool, comment: str = ""
    ) -> None:
        with self.services.write() as session:
            record_vote(session, translation_id, self.hash("vote", visitor), helpful, comment)

    def complaint_suggestions(
        self, lang: str, description: str, category: str, session_id: str
    ) -> list[Hit]:
        hits = self.search.complaint_suggestions(lang, description, category)
        if hits:
            try:
                with self.services.write() as session:
                    record_impressions(
                        session,
                        lang=lang,
                        visitor_hash=self.hash("suggestions", session_id),
                        keys=[h.key for h in hits],
                    )
            except Exception:
                log.warning("could not record suggestion impressions", exc_info=True)
        return hits

    def record_suggestion_click(
        self, lang: str, session_id: str, key: str, position: int | None
    ) -> None:
        try:
            with self.services.write() as session:
                record_click(
                    session,
                    lang=lang,
                    visitor_hash=self.hash("suggestions", session_id),
                    key=key,
                    position=position,
                )
        except Exception:
            log.warning("could not record a suggestion click", exc_info=True)


def record_complaint_sent(session: Session, secret_key: str, lang: str, session_id: str) -> None:
    """The session sent a complaint: it was not deflected (see ``kb.suggestion_events``)."""
    record_submitted(
        session, lang=lang, visitor_hash=keyed_hash(secret_key, "suggestions", session_id)
    )
