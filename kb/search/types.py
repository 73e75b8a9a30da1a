"""The values search takes and gives: plain data, independent of the database models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SearchDocument:
    """One translation of an article as the index sees it (``body`` is plain text)."""

    id: str  # the translation's id: unique in the index
    key: str  # shared by the translations of one article
    lang: str
    slug: str
    title: str
    summary: str = ""
    body: str = ""
    tags: Sequence[str] = ()
    category: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Hit:
    id: str
    key: str
    lang: str
    slug: str
    title: str
    title_html: str  # the title, escaped, with query words in <mark>
    snippet_html: str  # a passage of the article, escaped, with query words in <mark>
    score: float
    category: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class SearchResults:
    query: str
    lang: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    did_you_mean: str | None = None  # a corrected query to offer ("Did you mean …?")
    corrected: bool = False  # misspelt words were searched as their corrections
    category: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1


@dataclass(frozen=True)
class Suggestion:
    id: str
    key: str
    slug: str
    title: str
    title_html: str
    score: float = 0.0
