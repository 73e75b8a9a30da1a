"""Full-text search over the knowledge base: per-language analysis, a Whoosh index, ranked queries.

Independent of the database and the web layer: it indexes ``SearchDocument`` values and answers
``search`` / ``suggest``. The index is derived data: ``SearchIndex.rebuild`` recreates it from
the documents, ``SearchIndex.update`` applies a change at once.

    index = SearchIndex(path, source=all_published_documents)   # builds or repairs at start-up
    index.set_synonyms({"sv": [["pengarna tillbaka", "återbetalning"]]})
    results = search(index, "sv", "leveranstid", category=None, page=1, per_page=10)
    suggestions = suggest(index, "sv", "leveranst")
"""

from kb.search.index import SearchIndex
from kb.search.query import search, suggest
from kb.search.types import Hit, SearchDocument, SearchResults, Suggestion

__all__ = [
    "Hit",
    "SearchDocument",
    "SearchIndex",
    "SearchResults",
    "Suggestion",
    "search",
    "suggest",
]
