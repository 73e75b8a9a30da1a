"""Full-text search over the knowledge base: per-language analysis, a Whoosh index, ranked queries.

Independent of the database and the web layer: it indexes ``SearchDocument`` values and answers
``search`` / ``suggest``. The index is derived data; ``SearchIndex.rebuild`` recreates it.
"""

from kb.search.types import Hit, SearchDocument, SearchResults, Suggestion

__all__ = ["Hit", "SearchDocument", "SearchResults", "Suggestion"]
