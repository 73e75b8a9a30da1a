"""Scoring a query plan with posting lists read in bulk, instead of Whoosh's matcher tree.

Whoosh's matchers advance document by document through Python method calls, several per
posting per query clause; a KB query of a few words with their forms, parts and synonyms has
dozens of clauses. Here each term's postings are read once per searcher, block by block, into a
docnum → BM25 dictionary, and the plan's ``Or``/``And`` tree is evaluated on those dictionaries.
Scores are Whoosh's BM25F (same idf, field lengths and average lengths), so results equal a
Whoosh search of the same query; phrases are still matched by Whoosh, on their few candidates.
Field lengths are kept per segment, which an update does not change.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Sequence
from operator import itemgetter

from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, Or, Phrase, Query, Term
from whoosh.searching import Searcher

B, K1 = 0.75, 1.2
MAX_CACHED_TERMS = 4000
# (segment id, field) → (average field length, length normalisation per docnum)
_norms: dict[tuple[str, str], tuple[float, list[float]]] = {}
_norms_lock = threading.Lock()

Scores = dict[int, float]


def _segment_norms(reader, field: str, avgfl: float) -> list[float]:  # type: ignore[no-untyped-def]
    """BM25's length normalisation ``K1 * (1 - B + B * length / avgfl)`` per document of a
    segment, kept while the average length stays the same."""
    key = (reader.segment().segment_id(), field)
    found = _norms.get(key)
    if found is None or found[0] != avgfl:
        lengths = [reader.doc_field_length(d, field, 1) for d in range(reader.doc_count_all())]
        scale = K1 * B / avgfl
        base = K1 * (1 - B)
        found = (avgfl, [base + scale * (n or 1) for n in lengths])
        with _norms_lock:
            if len(_norms) > 200:
                _norms.clear()
            _norms[key] = found
    return found[1]


def _leaves(searcher: Searcher) -> list[tuple[object, int]]:
    reader = searcher.reader()
    return list(reader.leaf_readers()) if hasattr(reader, "leaf_readers") else [(reader, 0)]


def term_scores(searcher: Searcher, field: str, text: str) -> Scores:
    """docnum → BM25 score of one term in one field, for live documents; cached per searcher."""
    cache: dict[tuple[str, str], Scores] = searcher.__dict__.setdefault("_term_scores", {})
    key = (field, text)
    scores = cache.get(key)
    if scores is not None:
        return scores
    scores = {}
    parent = searcher.reader()
    if (field, text) in parent:
        # Whoosh's bm25(): idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avgfl))
        factor = searcher.idf(field, text) * (K1 + 1)
        avgfl = searcher.avg_field_length(field) or 1
        for reader, offset in _leaves(searcher):
            if (field, text) not in reader:  # type: ignore[operator]
                continue
            norms = _segment_norms(reader, field, avgfl)
            matcher = reader.postings(field, text)  # type: ignore[attr-defined]
            deleted = ()
            if isinstance(matcher, FilterMatcher):  # deletions: dropped after, not per posting
                deleted, matcher = matcher._ids, matcher.child
            for ids, weights in _blocks(matcher):
                scores.update(
                    {
                        d + offset: factor * w / (w + norms[d])
                        for d, w in zip(ids, weights, strict=False)
                    }
                )
            for docnum in deleted:
                scores.pop(docnum + offset, None)
    if len(cache) > MAX_CACHED_TERMS:
        cache.clear()
    cache[key] = scores
    return scores


def _blocks(matcher) -> Iterable[tuple[Sequence[int], Sequence[float]]]:  # type: ignore[no-untyped-def]
    """(docnums, weights) a block at a time where the codec allows it, else one by one."""
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            yield matcher._ids, matcher._weights
            matcher._next_block()
        return
    while matcher.is_active():
        yield (matcher.id(),), (matcher.weight(),)
        matcher.next()


def evaluate(searcher: Searcher, query: Query) -> Scores:
    """docnum → score for every document the query matches."""
    if isinstance(query, Term):
        scores = term_scores(searcher, query.fieldname, query.text)
        boost = query.boost
        return scores if boost == 1 else {d: s * boost for d, s in scores.items()}
    if isinstance(query, Or):
        subs = [evaluate(searcher, q) for q in query.subqueries]
        subs.sort(key=len, reverse=True)
        total = dict(subs[0]) if subs else {}
        get = total.get
        for sub in subs[1:]:
            for docnum, score in sub.items():
                total[docnum] = get(docnum, 0.0) + score
        return _boosted(total, query.boost)
    if isinstance(query, And):
        subs = sorted((evaluate(searcher, q) for q in query.subqueries), key=len)
        if not subs or not subs[0]:
            return {}
        total = dict(subs[0])
        for sub in subs[1:]:
            total = {d: s + sub[d] for d, s in total.items() if d in sub}
        return _boosted(total, query.boost)
    return _by_whoosh(searcher, query)


def _boosted(scores: Scores, boost: float) -> Scores:
    return scores if boost == 1 else {d: s * boost for d, s in scores.items()}


def _by_whoosh(searcher: Searcher, query: Query) -> Scores:
    """Phrases (and anything else): Whoosh's own matcher, cheap on a phrase's few matches."""
    if isinstance(query, Phrase) and any(
        not term_scores(searcher, query.fieldname, w) for w in query.words
    ):
        return {}
    scores: Scores = {}
    matcher = query.matcher(searcher)
    while matcher.is_active():
        docnum = matcher.id()
        if not searcher.reader().is_deleted(docnum):
            scores[docnum] = matcher.score()
        matcher.next()
    return scores


def rank(
    concepts: list[Scores], need: int, exponent: float, allowed: set[int] | frozenset[int] | None
) -> tuple[list[tuple[int, float]], int]:
    """The best ``need`` documents by score × (share of concepts matched) ** exponent, and how
    many documents match at all.

    Complete matches are ranked first; a partial match is only considered when its raw score
    could still beat the weakest complete match on the page after its coordination penalty.
    """
    n = len(concepts)
    if n == 1:
        total = concepts[0]
        if allowed is not None:
            total = {d: s for d, s in total.items() if d in allowed}
        return _top(total.items(), need), len(total)
    if allowed is None:
        found = _complete_only(concepts, need, exponent)
        if found is not None:
            return found
    total: Scores = {}
    counts: dict[int, int] = {}
    get, count = total.get, counts.get
    for scores in concepts:
        for docnum, score in scores.items():
            total[docnum] = get(docnum, 0.0) + score
            counts[docnum] = count(docnum, 0) + 1
    if allowed is not None:
        total = {d: s for d, s in total.items() if d in allowed}
    complete = [(d, s) for d, s in total.items() if counts[d] == n]
    best = _top(complete, need)
    threshold = best[-1][1] if len(best) >= need else 0.0
    factors = [(k / n) ** exponent for k in range(n + 1)]
    floor = threshold / factors[n - 1]  # a partial match below this cannot reach the page
    partial = [(d, s * factors[counts[d]]) for d, s in total.items() if s > floor and counts[d] < n]
    return _top(best + partial, need), len(total)


def _complete_only(
    concepts: list[Scores], need: int, exponent: float
) -> tuple[list[tuple[int, float]], int] | None:
    """``rank`` without adding up every matching document, when enough documents match every
    concept and no partial match can reach the page: even the best score of each of the
    ``n - 1`` strongest concepts, added up, would fall below the page after the penalty. Then
    only the complete matches are scored (a set intersection in C); else None."""
    n = len(concepts)
    ordered = sorted(concepts, key=len)
    common = ordered[0].keys() & ordered[1].keys()
    for scores in ordered[2:]:
        common &= scores.keys()
    if len(common) < need:
        return None
    best = _top(((d, sum(c[d] for c in concepts)) for d in sorted(common)), need)
    floor = best[-1][1] / ((n - 1) / n) ** exponent
    strongest = sorted(max(scores.values()) for scores in concepts)[1:]
    if sum(strongest) > floor:
        return None
    return best, len(set().union(*concepts))


def _top(items: Iterable[tuple[int, float]], k: int) -> list[tuple[int, float]]:
    return heapq.nlargest(k, items, key=itemgetter(1))
