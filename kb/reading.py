"""Finding articles: by slug for readers, by id for the search index, lists for editors."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.categories import get_category
from kb.models import PUBLISHED, Article, Revision, Translation


def get_translation(session: Session, translation_id: int) -> Translation | None:
    return session.get(Translation, translation_id)


def get_translations(session: Session, ids: Iterable[int]) -> list[Translation]:
    """Translations by id with article and category loaded (what an indexer needs); missing
    ids are simply absent (deleted)."""
    wanted = list(ids)
    if not wanted:
        return []
    query = select(Translation).where(Translation.id.in_(wanted)).order_by(Translation.id)
    return list(session.scalars(query))


def get_by_slug(
    session: Session, lang: str, slug: str, *, published_only: bool = True
) -> Translation | None:
    query = select(Translation).where(Translation.lang == lang, Translation.slug == slug)
    if published_only:
        query = query.where(Translation.status == PUBLISHED)
    return session.scalar(query)


def find_translation(session: Session, key: str, lang: str) -> Translation | None:
    """The article ``key`` in ``lang``, whatever its status."""
    return session.scalar(
        select(Translation)
        .join(Article, Translation.article_id == Article.id)
        .where(Article.key == key, Translation.lang == lang)
    )


def get_article(session: Session, key: str) -> Article | None:
    return session.scalar(
        select(Article).where(Article.key == key).options(selectinload(Article.translations))
    )


def translations_of(
    session: Session, article_id: int, *, published_only: bool = False
) -> dict[str, Translation]:
    """The article's translations by language (for "read this in …" links)."""
    query = select(Translation).where(Translation.article_id == article_id)
    if published_only:
        query = query.where(Translation.status == PUBLISHED)
    return {t.lang: t for t in session.scalars(query.order_by(Translation.lang))}


def list_translations(
    session: Session,
    *,
    lang: str | None = None,
    status: str | None = None,
    category: str | None = None,
    uncategorised: bool = False,
    order: str = "title",
    limit: int | None = None,
    offset: int = 0,
) -> list[Translation]:
    """Translations filtered by language, status and category key; ``order`` is ``title`` or
    ``updated`` (newest first)."""
    query = select(Translation).join(Article, Translation.article_id == Article.id)
    if lang is not None:
        query = query.where(Translation.lang == lang)
    if status is not None:
        query = query.where(Translation.status == status)
    if uncategorised:
        query = query.where(Article.category_id.is_(None))
    elif category is not None:
        found = get_category(session, category)
        if found is None:
            return []
        query = query.where(Article.category_id == found.id)
    if order == "updated":
        query = query.order_by(Translation.updated_at.desc(), Translation.id.desc())
    else:
        query = query.order_by(Translation.title, Translation.id)
    return list(session.scalars(query.offset(offset).limit(limit)))


def translation_ids(session: Session, *, published_only: bool = False) -> list[int]:
    """Every translation id (for a full reindex)."""
    query = select(Translation.id).order_by(Translation.id)
    if published_only:
        query = query.where(Translation.status == PUBLISHED)
    return list(session.scalars(query))


def list_revisions(session: Session, translation_id: int) -> list[Revision]:
    """Newest first."""
    return list(
        session.scalars(
            select(Revision)
            .where(Revision.translation_id == translation_id)
            .order_by(Revision.number.desc())
        )
    )


def get_revision(session: Session, translation_id: int, number: int) -> Revision | None:
    return session.scalar(
        select(Revision).where(Revision.translation_id == translation_id, Revision.number == number)
    )
