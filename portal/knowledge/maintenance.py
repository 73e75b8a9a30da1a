"""The search index from the command line: ``portal kb reindex``, ``portal kb import`` and
``portal demo`` build a fresh index and swap it in; a running server follows the swap."""

from __future__ import annotations

from kb.search.index import CURRENT, SearchIndex
from portal.knowledge.service import SearchService, index_root
from portal.services import Services


def index_exists(services: Services) -> bool:
    return (index_root(services) / CURRENT).is_file()


def open_index(services: Services) -> SearchIndex:
    """The index, repaired or built from the database if it is damaged or missing."""
    return SearchService(services).open()


def rebuild_index(services: Services) -> int:
    """A fresh index from the database, swapped in atomically; returns the number of published
    articles. A running server goes on searching the old one and follows the swap."""
    service = SearchService(services)
    index = service.index = SearchIndex(service.root)  # no source: never built twice
    try:
        return index.rebuild(service.documents())
    finally:
        index.close()
