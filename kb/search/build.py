"""Writing a whole generation, on every core: analysis and Whoosh's posting work are pure Python,
so a rebuild of tens of thousands of articles is CPU-bound in one process.

Large rebuilds fork one child per core; each analyses and writes its share of the documents as
a segment of its own (the learnt analysers are inherited, not sent), and the parent registers
the segments in one commit — the same scheme as Whoosh's ``MpWriter(multisegment=True)``, with
our pre-analysing fields and bulk writer. The parent's threads (searches) keep running while it
waits. Small rebuilds, and platforms without ``fork``, write in-process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
from collections.abc import Mapping, Sequence

from whoosh.index import Index

from kb.search.analysis import Analyzer
from kb.search.fields import BulkWriter, document_fields
from kb.search.types import SearchDocument

PARALLEL_MIN_DOCUMENTS = 3000
CHILD_TIMEOUT = 3600.0
CHILD_LIMIT_MB = 1024  # for Whoosh's own pool, which the bulk writer leaves empty

# What forked children work on: set just before the fork, read by the children (inherited).
_job: tuple[Sequence[SearchDocument], Mapping[str, Analyzer]] | None = None


def write_all(
    ix: Index,
    documents: Sequence[SearchDocument],
    analyzers: Mapping[str, Analyzer],
    procs: int | None = None,
) -> None:
    """Index ``documents`` into the (fresh) index ``ix`` and commit."""
    procs = procs or min(2, os.cpu_count() or 1)
    if (
        procs < 2
        or len(documents) < PARALLEL_MIN_DOCUMENTS
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        _write_here(ix, documents, analyzers)
        return
    for analyzer in analyzers.values():  # children inherit a warm cache: it is saved with the index
        for word in list(analyzer.word_freq):
            analyzer.terms(word)
    _write_forked(ix, documents, analyzers, procs)


def _write_here(
    ix: Index, documents: Sequence[SearchDocument], analyzers: Mapping[str, Analyzer]
) -> None:
    writer = BulkWriter(ix, limitmb=256)
    try:
        for doc in documents:
            if doc.lang in analyzers:
                writer.add_document(**document_fields(doc, analyzers[doc.lang]))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def _write_forked(
    ix: Index, documents: Sequence[SearchDocument], analyzers: Mapping[str, Analyzer], procs: int
) -> None:
    global _job
    context = multiprocessing.get_context("fork")
    results: multiprocessing.Queue = context.Queue()
    parent = BulkWriter(ix, limitmb=32)  # holds the write lock and commits the segments
    children = []
    try:
        _job = (documents, analyzers)
        for part in range(procs):
            child = context.Process(
                target=_child, args=(ix.storage, ix.indexname, part, procs, results)
            )
            child.start()
            children.append(child)
        segments = []
        for _ in children:
            part, segment, error = results.get(timeout=CHILD_TIMEOUT)
            if error:
                raise RuntimeError(f"indexing part {part} failed: {error}")
            segments.append(segment)
        for child in children:
            child.join()
        # The same three steps as whoosh.multiproc.MpWriter._commit with multisegment=True.
        parent._close_segment()
        parent._commit_toc(segments)
        parent._finish()
    except BaseException:
        for child in children:
            child.kill()
        with contextlib.suppress(Exception):
            parent.cancel()
        raise
    finally:
        _job = None
        for child in children:
            child.join(timeout=5)


def _child(storage, indexname: str, part: int, parts: int, results) -> None:  # type: ignore[no-untyped-def]
    try:
        assert _job is not None
        documents, analyzers = _job
        ix = storage.open_index(indexname)
        writer = BulkWriter(ix, _lk=False, limitmb=CHILD_LIMIT_MB)
        for doc in documents[part::parts]:
            if doc.lang in analyzers:
                writer.add_document(**document_fields(doc, analyzers[doc.lang]))
        results.put((part, writer._finalize_segment(), None))
    except BaseException as exc:  # the parent reports it
        with contextlib.suppress(queue.Full):
            results.put((part, None, f"{type(exc).__name__}: {exc}"))
