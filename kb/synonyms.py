"""Editor-maintained synonym groups per language ("pengarna tillbaka" ~ "återbetalning").

A group is a list of words or phrases that mean the same to a customer; the search side expands
queries with them. Editors edit them as text, one group per line, terms separated by commas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb.changes import mark_synonyms_changed
from kb.models import SynonymGroup

_SPACES = re.compile(r"\s+")
TERM_MAX = 100


def normalise_groups(groups: Iterable[Iterable[str]]) -> list[list[str]]:
    """Lowercase, trimmed terms; duplicates dropped; groups of fewer than two terms dropped."""
    result: list[list[str]] = []
    for group in groups:
        terms = [_SPACES.sub(" ", str(term)).strip().lower()[:TERM_MAX] for term in group]
        unique = list(dict.fromkeys(t for t in terms if t))
        if len(unique) >= 2:
            result.append(unique)
    return result


def parse_synonym_text(text: str) -> list[list[str]]:
    """One group per line, terms separated by commas (blank lines and ``#`` comments ignored)."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    return normalise_groups(line.split(",") for line in lines if line.strip())


def format_synonym_text(groups: Iterable[Iterable[str]]) -> str:
    return "".join(", ".join(group) + "\n" for group in groups)


def get_synonyms(session: Session, lang: str) -> list[list[str]]:
    rows = session.scalars(
        select(SynonymGroup).where(SynonymGroup.lang == lang).order_by(SynonymGroup.id)
    )
    return [list(row.terms) for row in rows]


def all_synonyms(session: Session) -> dict[str, list[list[str]]]:
    """Every language's groups, for building analysers or query expansion."""
    result: dict[str, list[list[str]]] = {}
    for row in session.scalars(select(SynonymGroup).order_by(SynonymGroup.lang, SynonymGroup.id)):
        result.setdefault(row.lang, []).append(list(row.terms))
    return result


def set_synonyms(
    session: Session, lang: str, groups: Iterable[Iterable[str]], *, author: str = ""
) -> list[list[str]]:
    """Replace the language's groups; returns what was stored. Listeners hear of it on commit."""
    cleaned = normalise_groups(groups)
    if cleaned == get_synonyms(session, lang):
        return cleaned
    session.execute(delete(SynonymGroup).where(SynonymGroup.lang == lang))
    session.add_all(SynonymGroup(lang=lang, terms=terms, updated_by=author) for terms in cleaned)
    session.flush()
    mark_synonyms_changed(session, lang)
    return cleaned
