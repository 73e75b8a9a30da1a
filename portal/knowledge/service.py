"""The live search index of a running portal: opened at start-up, kept in step with the database.

``SearchService`` owns the Whoosh index in ``<data_dir>/index``. Opening it never leaves search
broken: a stale write lock is cleared, and a missing, damaged or outdated index is rebuilt from
the database (``kb.search.index`` does both). After every commit that changes an article the
content side's change hook (``kb.changes``) hands over the translation ids; this service queues
them and one background thread re-reads those translations and updates the index, so a request
never waits for indexing and the change is searchable well within a second. Every few seconds
the same thread adds counted page views to the database and compares two change stamps of the
database with what it saw last, so edits made elsewhere (another instance, the command line)
reach this index too.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kb.changes import add_change_listener, add_synonym_listener, remove_listener
from kb.feedback import add_views
from kb.search import Hit, SearchResults, Suggestion
from kb.search.analysis import fold, words
from kb.search.index import SearchIndex
from kb.search.query import search, suggest
from kb.synonyms import all_synonyms
from portal.knowledge.documents import (
    change_stamp,
    changes_for,
    published_documents,
    published_versions,
    synonym_stamp,
)
from portal.services import Services

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # views are stored, and the database checked for changes, this often
RETRIES = 3
QUERY_WORDS = 10  # the most telling words of a long text (a complaint) that a lookup uses
# Complaint form categories → knowledge-base categories whose articles usually answer them.
# Keys missing from a deployment's knowledge base are simply never matched.
COMPLAINT_CATEGORY_HINTS = {
    "product": ("faulty-goods", "damaged-missing", "returns"),
    "service": ("delivery", "damaged-missing", "orders", "complaints"),
    "billing": ("payment", "refunds", "gift-cards", "orders"),
}
HINT_BOOST = 1.5


@dataclass(frozen=True)
class Sibling:
    """The same article in another language, as the index knows it (published only)."""

    lang: str
    slug: str
    title: str


class ViewCounter:
    """Page views counted in memory; ``take`` hands over what was counted since last time."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._lock = threading.Lock()

    def add(self, translation_id: int) -> None:
        with self._lock:
            self._counts[translation_id] += 1

    def take(self) -> dict[int, int]:
        with self._lock:
            counts, self._counts = dict(self._counts), Counter()
        return counts

    def put_back(self, counts: dict[int, int]) -> None:
        with self._lock:
            self._counts.update(counts)


class SearchService:
    """The index plus the thread that keeps it current. ``open`` (blocking) then ``start``;
    ``stop`` at shutdown. Searching methods are safe from any thread."""

    def __init__(self, services: Services, root: Path | None = None) -> None:
        self.services = services
        self.root = root or index_root(services)
        host = urlsplit(services.settings.base_url).hostname
        self.internal_hosts: tuple[str, ...] = (host,) if host else ()
        self.index: SearchIndex | None = None
        self.views = ViewCounter()
        # Called with changed translation ids right after a commit and again once the index has
        # them: page caches drop what they built from older data.
        self.invalidators: list[Callable[[], None]] = []
        self._queue: queue.Queue[tuple[str, list[object]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._busy = threading.Event()
        # What the background thread knows: the generation it last saw, what that generation
        # holds (translation id → last change), and the database's change stamps.
        self._generation: str | None = None
        self._indexed: dict[str, object] | None = None
        self._stamp: object = None
        self._synonym_stamp: object = None

    # Lifecycle ---------------------------------------------------------------------------------

    def open(self) -> SearchIndex:
        """Open (or build, or repair) the index and load the editors' synonyms. Blocking."""
        if self.index is None:
            self.index = SearchIndex(self.root, source=self.documents)
            self._load_synonyms()
        return self.index

    def start(self) -> None:
        """Listen for committed changes and start the background thread."""
        self.open()
        sessions = self.services.sessions
        add_change_listener(sessions, self._translations_changed)
        add_synonym_listener(sessions, self._synonyms_changed)
        self._thread = threading.Thread(target=self._run, name="kb-indexer", daemon=True)
        self._thread.start()
        self._generation = self.index.generation.name if self.index else None
        self._queue.put(("check", []))

    def stop(self) -> None:
        sessions = self.services.sessions
        remove_listener(sessions, self._translations_changed)
        remove_listener(sessions, self._synonyms_changed)
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None
        self.flush_views()
        if self.index is not None:
            self.index.close()
            self.index = None

    def reindex(self) -> int:
        """Rebuild the whole index from the database; searches go on against the old one until
        the new one is swapped in. Returns the number of documents."""
        index = self.open()
        count = index.rebuild(self.documents())
        self._load_synonyms()
        self._invalidate()
        return count

    # Background work ---------------------------------------------------------------------------

    def _translations_changed(self, ids: list[int]) -> None:
        """Called by ``kb.changes`` in the committing thread: drop caches, queue, return."""
        self._invalidate()
        self._queue.put(("translations", list(ids)))

    def _synonyms_changed(self, langs: list[str]) -> None:
        self._queue.put(("synonyms", list(langs)))

    def _run(self) -> None:
        next_flush = time.monotonic() + CHECK_SECONDS
        while True:
            timeout = max(0.0, next_flush - time.monotonic())
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = ("flush", [])
            if item is None:
                return
            self._busy.set()
            try:
                self._handle(item)
            finally:
                self._busy.clear()
            if time.monotonic() >= next_flush:
                self.flush_views()
                self._check()
                next_flush = time.monotonic() + CHECK_SECONDS

    def _handle(self, item: tuple[str, list[object]]) -> None:
        kind, values = item
        if kind == "translations":
            ids = set(values)
            while True:  # one index commit for everything that is waiting
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                if more[0] == "translations":
                    ids.update(more[1])
                else:
                    self._handle(more)
            self._apply(sorted(ids))  # type: ignore[arg-type]
        elif kind == "synonyms":
            self._load_synonyms()
        elif kind == "check":
            self._check()

    def _apply(self, ids: list[int], attempt: int = 1) -> None:
        try:
            with self.services.read() as session:
                upserts, deletes = changes_for(session, ids, self.internal_hosts)
            assert self.index is not None
            self.index.update(upserts, deletes)
        except Exception:
            if attempt >= RETRIES:
                log.exception("search index update of translations %s failed; run `portal kb "
                              "reindex` if search shows outdated articles", ids)  # fmt: skip
                return
            log.warning("search index update failed, retrying", exc_info=True)
            time.sleep(0.2 * attempt)
            self._apply(ids, attempt + 1)
            return
        if self._indexed is not None:
            for doc in upserts:
                self._indexed[doc.id] = doc.updated_at
            for doc_id in deletes:
                self._indexed.pop(doc_id, None)
        self._invalidate()

    def _check(self) -> None:
        """The periodic look at the database (cheap: two aggregate queries) and the index.

        Catches what no listener in this process heard: edits made by another instance or the
        command line, and a new index generation swapped in by another process (whatever
        changed while it was being built went into the old one)."""
        index = self.index
        if index is None:
            return
        if index.needs_rebuild:  # a search found the index damaged while the server ran
            self._rebuild()
            return
        try:
            index.searcher()  # follows a generation swapped in by another process
            if index.generation.name != self._generation:
                self._generation = index.generation.name
                self._indexed = None  # what the new generation holds is read again
                self._stamp = None
            with self.services.read() as session:
                stamp = change_stamp(session)
                synonyms = synonym_stamp(session)
        except Exception:
            log.warning("could not check the search index against the database", exc_info=True)
            return
        if synonyms != self._synonym_stamp:
            self._synonym_stamp = synonyms
            self._load_synonyms()
            self._invalidate()
        if stamp != self._stamp:
            self._stamp = stamp
            self._reconcile()

    def _rebuild(self) -> None:
        assert self.index is not None
        log.warning("rebuilding the search index from the database")
        try:
            self.index.rebuild(self.documents())
        except Exception:
            log.exception("could not rebuild the search index; trying again shortly")
            return
        self.index.needs_rebuild = False
        self._generation, self._indexed, self._stamp = self.index.generation.name, None, None
        self._invalidate()

    def _reconcile(self) -> None:
        """Index every published translation whose last change the index does not have, and
        remove what is no longer published."""
        index = self.index
        if index is None:
            return
        try:
            with self.services.read() as session:
                wanted = published_versions(session)
            if self._indexed is None:
                _, searcher = index.searcher()
                self._indexed = {
                    fields["id"]: fields["doc"].get("updated_at")
                    for fields in searcher.all_stored_fields()
                }
        except Exception:
            log.exception("could not compare the search index with the database")
            return
        indexed = self._indexed
        stale = [int(i) for i, updated in wanted.items() if indexed.get(i) != updated]
        gone = [int(i) for i in indexed if i not in wanted]
        if stale or gone:
            log.info("search index: %d outdated and %d removed articles", len(stale), len(gone))
            self._apply(sorted(stale + gone))

    def flush_views(self) -> None:
        counts = self.views.take()
        if not counts:
            return
        try:
            with self.services.write() as session:
                add_views(session, counts)
        except Exception:
            log.warning("could not store %d page views; keeping them", len(counts), exc_info=True)
            self.views.put_back(counts)

    def documents(self) -> Iterator:  # type: ignore[type-arg]
        with self.services.read() as session:
            yield from published_documents(session, self.internal_hosts)

    def _load_synonyms(self) -> None:
        with self.services.read() as session:
            groups = all_synonyms(session)
        assert self.index is not None
        self.index.set_synonyms(groups)

    def _invalidate(self) -> None:
        for invalidate in list(self.invalidators):
            invalidate()

    def idle(self) -> bool:
        """Nothing queued or being indexed (for the command line and diagnostics)."""
        return self._queue.empty() and not self._busy.is_set()

    # Searching ---------------------------------------------------------------------------------

    def search(
        self, lang: str, q: str, category: str | None = None, page: int = 1, per_page: int = 10
    ) -> SearchResults:
        return search(self.open(), lang, q, category=category, page=page, per_page=per_page)

    def suggest(self, lang: str, q: str, limit: int = 5) -> list[Suggestion]:
        return suggest(self.open(), lang, q, limit=limit)

    def siblings(self, key: str) -> list[Sibling]:
        """The article's published translations, from the index (no database read)."""
        _, searcher = self.open().searcher()
        found = [
            Sibling(fields["lang"], fields["doc"]["slug"], fields["doc"]["title"])
            for fields in searcher.documents(key=key)
        ]
        return sorted(found, key=lambda s: s.lang)

    def key_words(self, lang: str, text: str, limit: int = QUERY_WORDS) -> str:
        """The words of a long text a search should use: no stop words, no repeats, and when
        there are many, those the articles know and that are rarest (the most telling)."""
        gen, _ = self.open().searcher()
        analyzer = gen.analyzers.get(lang)
        if analyzer is None:
            return ""
        chosen: dict[str, str] = {}
        for token in words(text):
            folded = fold(token)
            if len(folded) < 3 or analyzer.is_stop(token) or folded in chosen:
                continue
            chosen[folded] = token
        if len(chosen) > limit:
            known = [w for w in chosen if analyzer.frequency(w) > 0]
            known.sort(key=analyzer.frequency)
            keep = set(known[:limit])
            chosen = {w: t for w, t in chosen.items() if w in keep}
        return " ".join(chosen.values())

    def for_text(
        self,
        lang: str,
        text: str,
        *,
        limit: int = 3,
        prefer: Iterable[str] = (),
        exclude_key: str | None = None,
    ) -> list[Hit]:
        """Articles about a free text (a complaint being written, an article's title and tags),
        articles in ``prefer``-red categories first among similar scores."""
        q = self.key_words(lang, text)
        if not q:
            return []
        results = self.search(lang, q, per_page=limit + 7)
        preferred = set(prefer)
        hits = [h for h in results.hits if h.key != exclude_key]
        hits.sort(key=lambda h: -h.score * (HINT_BOOST if h.category in preferred else 1.0))
        return hits[:limit]

    def complaint_suggestions(
        self, lang: str, description: str, category: str = "", limit: int = 3
    ) -> list[Hit]:
        prefer = COMPLAINT_CATEGORY_HINTS.get(category, ())
        return self.for_text(lang, description, limit=limit, prefer=prefer)

    def related(
        self, lang: str, key: str, text: str, category: str | None, limit: int = 4
    ) -> list[Hit]:
        """Similar articles in the same language, by title and tags: those on the same topic
        first (a reader of a delivery article wants delivery next), then the rest."""
        hits = self.for_text(lang, text, limit=limit + 6, exclude_key=key)
        hits.sort(key=lambda h: h.category != category)  # stable: by score within each group
        return hits[:limit]


def index_root(services: Services) -> Path:
    return services.settings.data_dir / "index"
