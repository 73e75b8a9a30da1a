"""Searching: ranked, highlighted, paginated results, "did you mean", and as-you-type suggestions.

Ranking is BM25F over the title (boosted) and the full text, times a coordination factor: the
share of the query's concepts an article matches, squared. An article that matches every word
outranks one that matches some unless the latter is far more relevant on what it does match —
and partial matches still answer. Scores come from ``scoring`` (posting lists read in bulk and
cached per searcher); only the page's hits are loaded and highlighted.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

from whoosh.query import Or, Query, Term
from whoosh.searching import Searcher

from kb.search.analysis import LANGUAGES, Analyzer, fold, words
from kb.search.index import Generation, SearchIndex
from kb.search.plan import TITLE_BOOST, Plan, Planner
from kb.search.scoring import evaluate, rank, term_scores
from kb.search.snippets import WordIndex, highlight, snippet
from kb.search.spelling import Speller
from kb.search.types import Hit, SearchResults, Suggestion

log = logging.getLogger(__name__)

MAX_QUERY = 200
MAX_PER_PAGE = 50
COORDINATION = 2.0  # score × (concepts matched / concepts) ** COORDINATION
FEW_RESULTS = 3  # fewer results than this: look for a better spelling of rare words
RARE = 2  # … that occur at most this often
PREFIX_WORDS = 12  # completions of the last, unfinished word that a suggestion searches
PREFIX_SCAN = 500  # title terms with that prefix looked at to find the commonest


def _cached(
    gen: Generation, key: object, make: Callable[[], object], *, lasting: bool = False
) -> object:
    store = gen.lasting if lasting else gen.extras
    value = store.get(key)
    if value is None:
        value = store[key] = make()
    return value


def planner_for(index: SearchIndex, gen: Generation, lang: str) -> Planner:
    analyzer = gen.analyzers[lang]
    speller = _cached(gen, ("speller", lang), lambda: Speller(analyzer.word_freq), lasting=True)
    return _cached(  # type: ignore[return-value]
        gen, ("planner", lang), lambda: Planner(analyzer, speller, index.synonyms.get(lang, ()))
    )


def word_index(gen: Generation, lang: str) -> WordIndex:
    analyzer = gen.analyzers[lang]
    return _cached(gen, ("words", lang), lambda: WordIndex(analyzer), lasting=True)  # type: ignore[return-value]


def _empty(q: str, lang: str, page: int, per_page: int, category: str | None) -> SearchResults:
    return SearchResults(q, lang, [], 0, page, per_page, category=category)


def _ranked(
    searcher: Searcher, plan: Plan, need: int, category: str | None
) -> tuple[list[tuple[int, float]], int]:
    """The best ``need`` (docnum, score) pairs and the number of matching documents."""
    cache: dict[str, dict[int, float]] = searcher.__dict__.setdefault("_concepts", {})
    if len(cache) > 1000:
        cache.clear()
    concepts = []
    for concept in plan.concepts:
        key = repr(concept.query)  # the same word typed again (as you type) costs nothing
        scores = cache.get(key)
        if scores is None:
            scores = cache[key] = evaluate(searcher, concept.query)
        concepts.append(scores)
    allowed = None
    if category:
        allowed = set(term_scores(searcher, "category", category))
    return rank(concepts, need, COORDINATION, allowed)


def _did_you_mean(
    plan: Plan, q: str, analyzer: Analyzer, speller: Speller, total: int
) -> str | None:
    """The query with corrected words, when corrections were used or the query found little."""
    corrections = dict(plan.corrections)
    if total < FEW_RESULTS:
        for token in words(q):
            word = fold(token)
            if token in corrections or analyzer.is_stop(token):
                continue
            freq = analyzer.frequency(word)
            if freq > RARE:
                continue  # a common word is what the customer meant
            for candidate, _ in speller.near(word)[:3]:
                if analyzer.word_freq.get(candidate, 0) >= max(5, 10 * freq):
                    corrections[token] = candidate
                    break
    if not corrections:
        return None
    out = []
    for token in q.split():
        key = token.lower().strip(".,;:!?\"'()")
        out.append(corrections.get(key, token))
    suggestion = " ".join(out)
    return suggestion if suggestion.lower() != q.lower() else None


def search(
    index: SearchIndex,
    lang: str,
    q: str,
    category: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> SearchResults:
    """Articles in ``lang`` that answer ``q``, best first, one page of highlighted hits."""
    q = " ".join(q.split())[:MAX_QUERY]
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    if not q or lang not in LANGUAGES:
        return _empty(q, lang, page, per_page, category)
    try:
        return _search(index, lang, q, category, page, per_page)
    except Exception:  # a damaged segment found mid-flight: answer, log, let it be rebuilt
        log.exception("search failed for a %s query; the index needs a rebuild", lang)
        index.needs_rebuild = True
        return _empty(q, lang, page, per_page, category)


def _search(
    index: SearchIndex, lang: str, q: str, category: str | None, page: int, per_page: int
) -> SearchResults:
    gen, searcher = index.searcher()
    planner = planner_for(index, gen, lang)
    plan = planner.plan(q)
    if not plan.concepts:
        dym = _did_you_mean(plan, q, planner.a, planner.speller, 0)
        return SearchResults(q, lang, [], 0, page, per_page, dym, category=category)
    ranked, total = _ranked(searcher, plan, page * per_page, category)
    marked = frozenset(word_index(gen, lang).words(plan.terms))
    hits = []
    for docnum, score in ranked[(page - 1) * per_page :]:
        fields = searcher.stored_fields(docnum)
        doc = fields["doc"]
        hits.append(
            Hit(
                id=fields["id"],
                key=fields["key"],
                lang=fields["lang"],
                slug=doc["slug"],
                title=doc["title"],
                title_html=highlight(doc["title"], marked),
                snippet_html=snippet(doc["body"], marked, doc["summary"]),
                score=round(float(score), 4),
                category=fields["category"] or None,
                updated_at=doc.get("updated_at"),
            )
        )
    dym = _did_you_mean(plan, q, planner.a, planner.speller, total)
    return SearchResults(
        q, lang, hits, total, page, per_page, dym, bool(plan.corrections), category
    )


def _prefix_query(searcher: Searcher, lang: str, prefix: str) -> tuple[Query | None, set[str]]:
    """Title terms that start with the unfinished word, commonest first, as one concept: what
    a suggestion box completes to is an article title, and title postings are short."""
    field = f"title_{lang}"
    reader = searcher.reader()
    found = list(itertools.islice(reader.expand_prefix(field, fold(prefix)), PREFIX_SCAN))
    if not found:
        return None, set()
    texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in found]
    texts.sort(key=lambda t: -reader.doc_frequency(field, t))
    completions = texts[:PREFIX_WORDS]
    query = Or([Term(field, t, boost=TITLE_BOOST) for t in completions])
    return query, set(completions)


def suggest(index: SearchIndex, lang: str, q: str, limit: int = 5) -> list[Suggestion]:
    """Articles for a query being typed: the last word may be unfinished (prefix match)."""
    q = " ".join(q.split())[:MAX_QUERY]
    if not q or lang not in LANGUAGES:
        return []
    gen, searcher = index.searcher()
    planner = planner_for(index, gen, lang)
    tokens = list(words(q))
    complete = q if q[-1:].isspace() or not tokens else q[: q.lower().rfind(tokens[-1])]
    plan = planner.plan(complete) if complete.strip() else Plan([])
    if tokens and not q[-1:].isspace():
        prefix_q, prefix_terms = _prefix_query(searcher, lang, tokens[-1])
        # A slip in the unfinished word is looked for only when no title word completes it.
        last = planner.word(tokens[-1], plan, correct=prefix_q is None)
        alternatives = [c for c in (prefix_q, last.query if last else None) if c is not None]
        if alternatives:
            terms = prefix_terms | (last.terms if last else set())
            from kb.search.plan import Concept

            plan.concepts.append(Concept(Or(alternatives), terms, tokens[-1]))
    if not plan.concepts:
        return []
    ranked, _ = _ranked(searcher, plan, limit, None)
    marked = frozenset(word_index(gen, lang).words(plan.terms))
    out = []
    for docnum, score in ranked:
        fields = searcher.stored_fields(docnum)
        doc = fields["doc"]
        out.append(
            Suggestion(
                fields["id"], fields["key"], doc["slug"], doc["title"],
                highlight(doc["title"], marked), round(float(score), 4),
            )
        )  # fmt: skip
    return out
