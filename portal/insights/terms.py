"""Words and phrases that are rising in complaint descriptions within a category.

Simple term statistics, no external service: each description is split into words (stop words of
its language removed) and two-word phrases; a term counts once per complaint. A term is *rising*
when the share of complaints mentioning it grew from the previous period to this one. Only the
latest ``SAMPLE`` descriptions of each category and period are read, which keeps the page fast
on a large history while still showing what is new.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.insights.period import Filters, Period, within

SAMPLE = 300
CACHED_DESCRIPTIONS = 4096  # the samples of a page (8 × 300) and then some
MIN_COMPLAINTS = 3
LIMIT = 8
WORD = re.compile(r"[^\W\d_]{3,}")
WHOOSH_LANG = {"nb": "no"}


@dataclass(frozen=True)
class RisingTerm:
    term: str
    complaints: int
    complaints_before: int
    share: float
    share_before: float


@dataclass(frozen=True)
class CategoryTerms:
    category: str
    complaints: int  # descriptions read in the period
    complaints_before: int
    rising: list[RisingTerm]


@cache
def stop_words(lang: str) -> frozenset[str]:
    from whoosh.lang import has_stopwords, stopwords_for_language

    code = WHOOSH_LANG.get(lang, lang)
    return frozenset(stopwords_for_language(code)) if has_stopwords(code) else frozenset()


@lru_cache(maxsize=CACHED_DESCRIPTIONS)
def terms_of(text: str, lang: str) -> frozenset[str]:
    """The words and two-word phrases of one description, without stop words (remembered per
    text and language: the page reads the same latest descriptions again and again, and a text
    that changed is simply a new key)."""
    stops = stop_words(lang)
    found: set[str] = set()
    previous = ""
    for word in WORD.findall(text.lower()):
        if word in stops:
            previous = ""
            continue
        found.add(word)
        if previous:
            found.add(f"{previous} {word}")
        previous = word
    return frozenset(found)


def _documents(
    session: Session, category: str, period: Period, filters: Filters
) -> list[tuple[str, str]]:
    query = (
        select(Case.description, Case.lang)
        .where(within(Case.created_at, period.start, period.end), Case.category == category)
        .where(*Filters(lang=filters.lang, channel=filters.channel).clauses())
        .order_by(Case.created_at.desc())
        .limit(SAMPLE)
    )
    return [(str(d), str(lang)) for d, lang in session.execute(query)]


def _frequencies(documents: list[tuple[str, str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text, lang in documents:
        counts.update(terms_of(text, lang))
    return counts


def rising_terms(
    session: Session, period: Period, filters: Filters, categories: list[str]
) -> list[CategoryTerms]:
    """For each category (only the filtered one when set), the terms that rose the most."""
    chosen = [filters.category] if filters.category else categories
    found = []
    for category in chosen:
        now_docs = _documents(session, category, period, filters)
        before_docs = _documents(session, category, period.previous(), filters)
        now, before = _frequencies(now_docs), _frequencies(before_docs)
        n, m = len(now_docs), len(before_docs)
        rising = []
        for term, count in now.items():
            if count < MIN_COMPLAINTS:
                continue
            share, share_before = count / n, (before[term] / m if m else 0.0)
            if share > share_before:
                rising.append(RisingTerm(term, count, before[term], share, share_before))
        rising.sort(key=lambda t: (-(t.share - t.share_before), -t.complaints, t.term))
        found.append(CategoryTerms(category, n, m, rising[:LIMIT]))
    return found
