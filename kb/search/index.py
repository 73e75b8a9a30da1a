"""The Whoosh index: derived data, always rebuildable, never in the way of a search.

Layout: ``<root>/CURRENT`` names the live generation directory ``<root>/g-…``. A rebuild writes a
fresh generation while searches go on against the old one, then swaps ``CURRENT`` atomically
(``os.replace``); updates that arrive during the rebuild are replayed into the new generation
before the swap, so none is lost. All languages share one index: each language has its own
analysed fields (``title_sv``, ``text_sv``), so statistics (IDF, lengths) and the vocabulary
that typo tolerance looks words up in are per language.

One writer: a lock in-process. A Whoosh write lock left behind by a crashed writer is cleared
when the index is opened; a generation that cannot be opened or read is rebuilt from the
document source (or replaced by an empty one), so search never breaks at start-up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock

from kb.search.analysis import LANGUAGES, Analyzer
from kb.search.build import write_all
from kb.search.codec import KbCodec
from kb.search.fields import CachedBM25F, document_fields, make_schema
from kb.search.types import SearchDocument

log = logging.getLogger(__name__)

FORMAT = 6  # bump when analysis or fields change: older generations are then rebuilt
INDEXNAME = "MAIN"
LOCKFILE = f"{INDEXNAME}_WRITELOCK"
CURRENT = "CURRENT"
VOCAB = "vocab.pickle"
META = "meta.json"
Source = Callable[[], Iterable[SearchDocument]]


@dataclass
class Generation:
    """One opened generation: the Whoosh index, its analysers, a version bumped per commit."""

    name: str
    ix: whoosh_index.Index
    analyzers: dict[str, Analyzer]
    version: int = 0
    extras: dict[object, object] = field(default_factory=dict)  # caches reset by every commit
    lasting: dict[object, object] = field(default_factory=dict)  # caches that follow commits


class SearchIndex:
    """A deployment's search index in ``root``; ``source`` yields every document for rebuilds."""

    def __init__(self, root: Path | str, source: Source | None = None) -> None:
        self.root = Path(root)
        self.source = source
        self.synonyms: dict[str, list[list[str]]] = {}
        self._write_lock = threading.Lock()
        self._rebuild_lock = threading.Lock()
        self._pending: list[tuple[list[SearchDocument], list[str]]] | None = None
        self._local = threading.local()
        self._checked = 0.0
        self.generation = self._open()

    # Opening ----------------------------------------------------------------------------------

    def _open(self) -> Generation:
        self.root.mkdir(parents=True, exist_ok=True)
        name = self._current_name()
        if name:
            try:
                return self._load(name)
            except Exception:
                log.exception("search index %s cannot be used; rebuilding it", self.root / name)
        self.needs_rebuild = self.source is None
        documents = list(self.source()) if self.source else []
        return self._build(documents)

    def _current_name(self) -> str | None:
        try:
            return (self.root / CURRENT).read_text().strip() or None
        except OSError:
            return None

    def _load(self, name: str) -> Generation:
        path = self.root / name
        meta = json.loads((path / META).read_text())
        if meta.get("format") != FORMAT:
            raise ValueError(f"index format {meta.get('format')} is not {FORMAT}")
        clear_stale_lock(path)
        ix = whoosh_index.open_dir(str(path), indexname=INDEXNAME)
        with ix.searcher() as searcher:  # touch every segment: a damaged one fails here
            searcher.doc_count()
            for lang in LANGUAGES:
                for _ in zip(range(3), searcher.lexicon(f"text_{lang}"), strict=False):
                    pass
        with open(path / VOCAB, "rb") as f:
            vocab = pickle.load(f)  # noqa: S301 - our own file, written by _save_vocab
        analyzers = {}
        for lang in LANGUAGES:
            freq, terms = vocab.get(lang, ({}, {}))
            analyzers[lang] = Analyzer(lang, freq, terms)
        self.needs_rebuild = False
        return Generation(name, ix, analyzers)

    # Writing ----------------------------------------------------------------------------------

    def rebuild(self, documents: Iterable[SearchDocument] | None = None) -> int:
        """Build a fresh generation from ``documents`` (default: the source) and swap it in."""
        if documents is None:
            if self.source is None:
                raise ValueError("rebuild needs documents or a source")
            documents = self.source()
        documents = list(documents)
        with self._rebuild_lock:
            self._pending = []
            try:
                gen = self._build(documents, swap=False)
                with self._write_lock:
                    for upserts, deletes in self._pending:
                        self._write(gen, upserts, deletes)
                    if self._pending:
                        _save_vocab(self.root / gen.name, gen.analyzers)
                    self._swap(gen)
            finally:
                self._pending = None
        self._clean_old()
        return len(documents)

    def _build(self, documents: Sequence[SearchDocument], *, swap: bool = True) -> Generation:
        name = f"g-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        path = self.root / name
        path.mkdir()
        analyzers = {lang: Analyzer(lang) for lang in LANGUAGES}
        by_lang: dict[str, list[SearchDocument]] = {}
        for doc in documents:
            if doc.lang in analyzers:
                by_lang.setdefault(doc.lang, []).append(doc)
        for lang, docs in by_lang.items():
            analyzer = analyzers[lang]
            analyzer.observe_counts(analyzer.count(_texts(docs)))
            analyzer.finish()
        ix = whoosh_index.create_in(str(path), make_schema(), indexname=INDEXNAME)
        write_all(ix, documents, analyzers)
        (path / META).write_text(json.dumps({"format": FORMAT, "documents": len(documents)}))
        gen = Generation(name, ix, analyzers)
        _save_vocab(path, analyzers)
        if swap:
            self._swap(gen)
        return gen

    def update(self, upserts: Iterable[SearchDocument] = (), deletes: Iterable[str] = ()) -> None:
        """Add or replace documents and delete ids; searches see the change when this returns."""
        upserts, deletes = list(upserts), list(deletes)
        if not upserts and not deletes:
            return
        with self._write_lock:
            self._refresh_current(force=True)  # never write into a generation swapped out
            gen = self.generation
            self._write(gen, upserts, deletes)
            gen.version += 1  # searches see the change from here on
            gen.extras = {}
            if self._pending is not None:
                self._pending.append((upserts, deletes))
            # The learnt vocabulary is saved after the change is visible: it is only read when
            # the index is opened again, and pickling it costs ≈ 20 ms at 10,000 articles.
            _save_vocab(self.root / gen.name, gen.analyzers)

    def _write(self, gen: Generation, upserts: list[SearchDocument], deletes: list[str]) -> None:
        by_lang: dict[str, list[SearchDocument]] = {}
        for doc in upserts:
            by_lang.setdefault(doc.lang, []).append(doc)
        for lang, docs in by_lang.items():
            if lang in gen.analyzers:
                analyzer = gen.analyzers[lang]
                analyzer.observe_counts(analyzer.count(_texts(docs)))
        writer = gen.ix.writer(timeout=5.0, codec=KbCodec())
        try:
            for doc_id in deletes:
                writer.delete_by_term("id", doc_id)
            for doc in upserts:
                if doc.lang in gen.analyzers:
                    writer.update_document(**document_fields(doc, gen.analyzers[doc.lang]))
                else:
                    writer.delete_by_term("id", doc.id)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise

    def _swap(self, gen: Generation) -> None:
        tmp = self.root / f"{CURRENT}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(gen.name)
        os.replace(tmp, self.root / CURRENT)
        self.generation = gen

    def _clean_old(self) -> None:
        """Remove generations but the live one and the one before (a searcher may still use it)."""
        keep = {self.generation.name}
        olds = sorted(p for p in self.root.glob("g-*") if p.name not in keep)
        for path in olds[:-1]:
            shutil.rmtree(path, ignore_errors=True)

    # Reading ----------------------------------------------------------------------------------

    def _refresh_current(self, force: bool = False) -> None:
        """Follow a generation swapped in by another process (``portal kb reindex``)."""
        now = time.monotonic()
        if now - self._checked < 1.0 and not force:
            return
        self._checked = now
        name = self._current_name()
        if name and name != self.generation.name:
            with contextlib.suppress(Exception):
                self.generation = self._load(name)

    def searcher(self) -> tuple[Generation, Searcher]:
        """This thread's searcher on the live generation, reopened only after a commit."""
        self._refresh_current()
        gen = self.generation
        local = self._local
        stamp = (gen.name, gen.version)
        if getattr(local, "stamp", None) != stamp:
            old = getattr(local, "searcher", None)
            local.searcher = gen.ix.searcher(weighting=CachedBM25F())
            local.stamp = stamp
            if old is not None:
                with contextlib.suppress(Exception):
                    old.close()
        return gen, local.searcher

    def set_synonyms(self, groups: Mapping[str, Sequence[Sequence[str]]]) -> None:
        """Editor-maintained synonym groups per language, applied when queries are built."""
        self.synonyms = {lang: [list(g) for g in gs] for lang, gs in groups.items()}
        self.generation.extras = {}

    def doc_count(self) -> int:
        return self.searcher()[1].doc_count()

    def close(self) -> None:
        old = getattr(self._local, "searcher", None)
        if old is not None:
            old.close()
        self._local = threading.local()
        self.generation.ix.close()


def _texts(docs: Iterable[SearchDocument]) -> Iterable[str]:
    for doc in docs:
        yield doc.title
        yield doc.summary
        yield from doc.tags
        yield doc.body


def _save_vocab(path: Path, analyzers: Mapping[str, Analyzer]) -> None:
    vocab = {
        lang: (dict(a.word_freq), a.surfaces()) for lang, a in analyzers.items() if a.word_freq
    }
    tmp = path / f"{VOCAB}.tmp"
    with open(tmp, "wb") as f:
        pickle.dump(vocab, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path / VOCAB)


def clear_stale_lock(path: Path) -> bool:
    """Remove a Whoosh write lock nobody can be using (we are the index's only writer).

    On POSIX the lock is an ``flock``: a crashed writer's lock is free but its file stays; a lock
    still held belongs to a writer that hangs or to a leaked file handle, and is broken.
    """
    lockfile = path / LOCKFILE
    if not lockfile.exists():
        return False
    lock = FileLock(str(lockfile))
    if lock.acquire(blocking=False):
        lock.release()
    else:
        log.warning("breaking a write lock held on the search index %s", path)
    with contextlib.suppress(FileNotFoundError):
        lockfile.unlink()
    return True
