"""Categories: a stable key, translated names and descriptions, and an editor-chosen order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.changes import mark_changed
from kb.errors import ArticleError, NotFound
from kb.models import Article, Category, Translation
from kb.slugs import slugify

NAME_MAX = 200


def category_key(value: str) -> str:
    """The key a category is stored under: "Education and Kits/Registration" → a slug."""
    return slugify(value)


def _texts(values: Mapping[str, str] | None, field: str) -> dict[str, str]:
    items = (values or {}).items()
    pairs = ((str(lang).strip().lower(), str(text).strip()) for lang, text in items)
    cleaned = {lang: text for lang, text in pairs if lang and text}
    if field == "names" and any(len(text) > NAME_MAX for text in cleaned.values()):
        raise ArticleError({field: "too_long"})
    return cleaned


def list_categories(session: Session) -> list[Category]:
    """All categories in the editors' order."""
    return list(session.scalars(select(Category).order_by(Category.position, Category.key)))


def get_category(session: Session, key: str) -> Category | None:
    return session.scalar(select(Category).where(Category.key == key))


def _require(session: Session, key: str) -> Category:
    category = get_category(session, key)
    if category is None:
        raise NotFound(f"category {key!r}")
    return category


def create_category(
    session: Session,
    key: str,
    *,
    names: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    position: int | None = None,
) -> Category:
    """Add a category; without a position it goes last."""
    normalised = category_key(key)
    if not normalised:
        raise ArticleError({"key": "required"})
    if get_category(session, normalised) is not None:
        raise ArticleError({"key": "exists"})
    if position is None:
        position = (session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(
        key=normalised,
        position=position,
        names=_texts(names, "names"),
        descriptions=_texts(descriptions, "descriptions"),
    )
    session.add(category)
    session.flush()
    return category


def update_category(
    session: Session,
    key: str,
    *,
    names: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
    position: int | None = None,
) -> Category:
    """Change what is given (a mapping replaces all names or descriptions); None keeps it."""
    category = _require(session, key)
    changed = False
    if names is not None and _texts(names, "names") != category.names:
        category.names = _texts(names, "names")
        changed = True
    if descriptions is not None and _texts(descriptions, "descriptions") != category.descriptions:
        category.descriptions = _texts(descriptions, "descriptions")
        changed = True
    if position is not None:
        category.position = position
    session.flush()
    if changed:  # indexed documents may carry the category's name
        mark_changed(session, _translation_ids(session, category.id))
    return category


def reorder_categories(session: Session, keys: Sequence[str]) -> list[Category]:
    """Put the named categories first, in this order; the others keep their order after them."""
    categories = list_categories(session)
    by_key = {c.key: c for c in categories}
    ordered = [by_key[k] for k in dict.fromkeys(keys) if k in by_key]
    ordered += [c for c in categories if c not in ordered]
    for position, category in enumerate(ordered, start=1):
        category.position = position
    session.flush()
    return ordered


def article_counts(session: Session) -> dict[str, int]:
    """How many articles (any status, any language) each category holds, by key."""
    rows = session.execute(
        select(Category.key, func.count(Article.id))
        .outerjoin(Article, Article.category_id == Category.id)
        .group_by(Category.key)
    )
    return {str(key): int(count) for key, count in rows}


def delete_category(session: Session, key: str, *, move_to: str | None = None) -> int:
    """Remove a category; its articles go to the category ``move_to`` or, when None, become
    uncategorised (nothing is deleted with it). Returns how many articles were moved."""
    category = _require(session, key)
    target = None
    if move_to is not None:
        if move_to == key:
            raise ArticleError({"move_to": "same"})
        target = _require(session, move_to)
    ids = _translation_ids(session, category.id)
    moved = 0
    for article in session.scalars(select(Article).where(Article.category_id == category.id)):
        article.category = target
        moved += 1
    session.delete(category)
    session.flush()
    mark_changed(session, ids)
    return moved


def _translation_ids(session: Session, category_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Translation.id)
            .join(Article, Translation.article_id == Article.id)
            .where(Article.category_id == category_id)
        )
    )
