"""What the editors' article list asks of the database: filters, counts, pages, and which
translations have fallen behind their source.

A translation is *outdated* when the text of its source (English, or else the article's first
language) changed after the translation's own text last changed. Only content counts — title,
summary and body — so publishing the source does not flag every translation of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from kb.models import (
    FALLBACK_LANG,
    STATUSES,
    Article,
    Category,
    Revision,
    Translation,
    Vote,
)
from kb.types import utcnow

PER_PAGE = 50
STALE_AFTER = timedelta(days=365)
ORDERS = ("title", "updated", "not_helpful")
_CONTENT = ("title", "summary", "body")


@dataclass(frozen=True)
class ArticleFilter:
    """The list's filters; every field is optional. ``missing`` is a language the article lacks."""

    lang: str | None = None
    category: str | None = None
    status: str | None = None
    missing: str | None = None
    stale: bool = False
    order: str = "title"
    page: int = 1


@dataclass(frozen=True)
class ArticleRow:
    translation_id: int
    key: str
    lang: str
    title: str
    slug: str
    status: str
    category: str | None
    updated_at: datetime
    updated_by: str
    helpful: int
    not_helpful: int
    languages: tuple[str, ...]
    source_lang: str | None
    outdated: bool


@dataclass(frozen=True)
class ArticleListing:
    rows: list[ArticleRow]
    total: int
    page: int
    pages: int
    by_status: dict[str, int] = field(default_factory=dict)


def _votes() -> Select[tuple[int, int, int]]:
    return select(
        Vote.translation_id.label("translation_id"),
        func.count().filter(Vote.helpful.is_(True)).label("helpful"),
        func.count().filter(Vote.helpful.is_(False)).label("not_helpful"),
    ).group_by(Vote.translation_id)


def _filtered(session: Session, wanted: ArticleFilter, *, with_status: bool) -> Select | None:  # type: ignore[type-arg]
    query = select(Translation.id).join(Article, Translation.article_id == Article.id)
    if wanted.lang:
        query = query.where(Translation.lang == wanted.lang)
    if with_status and wanted.status:
        query = query.where(Translation.status == wanted.status)
    if wanted.category:
        category_id = session.scalar(select(Category.id).where(Category.key == wanted.category))
        if category_id is None:
            return None
        query = query.where(Article.category_id == category_id)
    if wanted.missing:
        other = aliased(Translation)
        query = query.where(
            ~exists().where(and_(other.article_id == Article.id, other.lang == wanted.missing))
        )
    if wanted.stale:
        query = query.where(Translation.updated_at < utcnow() - STALE_AFTER)
    return query


def list_articles(
    session: Session, wanted: ArticleFilter, per_page: int = PER_PAGE
) -> ArticleListing:
    """One page of translations matching ``wanted``, with vote counts and outdated flags."""
    counted = _filtered(session, wanted, with_status=False)
    if counted is None:
        return ArticleListing([], 0, 1, 1, dict.fromkeys(STATUSES, 0))
    ids = counted.subquery()
    by_status = dict.fromkeys(STATUSES, 0)
    rows = session.execute(
        select(Translation.status, func.count())
        .where(Translation.id.in_(select(ids.c.id)))
        .group_by(Translation.status)
    )
    for status, count in rows:
        by_status[status] = int(count)
    total = by_status.get(wanted.status, 0) if wanted.status else sum(by_status.values())
    pages = max(1, -(-total // per_page))
    page = min(max(1, wanted.page), pages)

    matching = _filtered(session, wanted, with_status=True)
    assert matching is not None
    votes = _votes().subquery()
    query = (
        select(
            Translation, func.coalesce(votes.c.helpful, 0), func.coalesce(votes.c.not_helpful, 0)
        )
        .outerjoin(votes, votes.c.translation_id == Translation.id)
        .where(Translation.id.in_(matching))
    )
    if wanted.order == "updated":
        query = query.order_by(Translation.updated_at.desc(), Translation.id.desc())
    elif wanted.order == "not_helpful":
        query = query.order_by(
            func.coalesce(votes.c.not_helpful, 0).desc(), Translation.title, Translation.id
        )
    else:
        query = query.order_by(Translation.title, Translation.id)
    found = list(session.execute(query.offset((page - 1) * per_page).limit(per_page)))
    translations = [row[0] for row in found]
    flags = outdated_flags(session, translations)
    result = []
    for translation, helpful, not_helpful in found:
        article = translation.article
        langs = tuple(sorted(t.lang for t in article.translations))
        source, outdated = flags.get(translation.id, (None, False))
        result.append(
            ArticleRow(
                translation_id=translation.id,
                key=article.key,
                lang=translation.lang,
                title=translation.title,
                slug=translation.slug,
                status=translation.status,
                category=article.category.key if article.category else None,
                updated_at=translation.updated_at,
                updated_by=translation.updated_by,
                helpful=int(helpful),
                not_helpful=int(not_helpful),
                languages=langs,
                source_lang=source,
                outdated=outdated,
            )
        )
    return ArticleListing(result, total, page, pages, by_status)


# -- outdated translations ----------------------------------------------------------------------


def source_of(translations: Sequence[Translation]) -> Translation | None:
    """The language the others are translated from: English, else the first one written."""
    if not translations:
        return None
    for translation in translations:
        if translation.lang == FALLBACK_LANG:
            return translation
    return min(translations, key=lambda t: (t.created_at, t.id))


def content_changed_at(session: Session, translation_ids: Iterable[int]) -> dict[int, datetime]:
    """When each translation's title, summary or body last changed (status changes ignored)."""
    wanted = list(dict.fromkeys(translation_ids))
    if not wanted:
        return {}
    changed: dict[int, datetime] = {}
    previous: dict[int, tuple[str, ...]] = {}
    query = (
        select(Revision.translation_id, Revision.created_at, Revision.content)
        .where(Revision.translation_id.in_(wanted))
        .order_by(Revision.translation_id, Revision.number)
    )
    for translation_id, created_at, content in session.execute(query):
        text = tuple(str((content or {}).get(name, "")) for name in _CONTENT)
        if previous.get(translation_id) != text:
            changed[translation_id] = created_at
            previous[translation_id] = text
    return changed


def outdated_flags(
    session: Session, translations: Sequence[Translation]
) -> dict[int, tuple[str | None, bool]]:
    """For each translation: its source language (None for the source itself) and whether the
    source's text changed after the translation's did."""
    sources: dict[int, Translation | None] = {}
    for translation in translations:
        if translation.article_id not in sources:
            sources[translation.article_id] = source_of(translation.article.translations)
    ids = [t.id for t in translations] + [s.id for s in sources.values() if s is not None]
    changed = content_changed_at(session, ids)
    flags: dict[int, tuple[str | None, bool]] = {}
    for translation in translations:
        source = sources[translation.article_id]
        if source is None or source.id == translation.id:
            flags[translation.id] = (None, False)
            continue
        mine, theirs = changed.get(translation.id), changed.get(source.id)
        flags[translation.id] = (source.lang, bool(mine and theirs and theirs > mine))
    return flags


def is_outdated(session: Session, translation: Translation, source: Translation) -> bool:
    """Whether ``source``'s text changed after ``translation``'s (the side-by-side page)."""
    if source.id == translation.id:
        return False
    changed = content_changed_at(session, [translation.id, source.id])
    mine, theirs = changed.get(translation.id), changed.get(source.id)
    return bool(mine and theirs and theirs > mine)
