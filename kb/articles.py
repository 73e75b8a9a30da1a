"""Writing articles: translations with full revisions and optimistic locking.

Plain functions on a SQLAlchemy ``Session``; the caller owns the transaction. Every saved change
creates a revision (author, time, full content) and marks the translation changed, so the search
index hears of it after the commit (see ``kb.changes``). Saving identical content is a no-op: no
revision, no new version.

The reading, category and synonym functions are re-exported here, so ``kb.articles`` is the one
import the pages need.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kb.categories import (
    article_counts,
    create_category,
    delete_category,
    get_category,
    list_categories,
    reorder_categories,
    update_category,
)
from kb.changes import add_change_listener, add_synonym_listener, mark_changed
from kb.errors import ArticleError, NotFound, StaleEdit
from kb.models import (
    ARCHIVED,
    DRAFT,
    PUBLISHED,
    STATUSES,
    Article,
    Category,
    Revision,
    Translation,
)
from kb.reading import (
    find_translation,
    get_article,
    get_by_slug,
    get_revision,
    get_translation,
    get_translations,
    list_revisions,
    list_translations,
    translation_ids,
    translations_of,
)
from kb.slugs import slugify
from kb.synonyms import all_synonyms, get_synonyms, set_synonyms
from kb.types import utcnow

__all__ = [
    "ArticleError",
    "NotFound",
    "StaleEdit",
    "TranslationContent",
    "add_change_listener",
    "add_synonym_listener",
    "all_synonyms",
    "archive",
    "article_counts",
    "content_of",
    "create_category",
    "create_translation",
    "delete_category",
    "find_translation",
    "get_article",
    "get_by_slug",
    "get_category",
    "get_revision",
    "get_synonyms",
    "get_translation",
    "get_translations",
    "list_categories",
    "list_revisions",
    "list_translations",
    "publish",
    "reorder_categories",
    "restore_revision",
    "set_status",
    "set_synonyms",
    "snapshot",
    "translation_ids",
    "translations_of",
    "unpublish",
    "update_category",
    "update_translation",
]

LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
TITLE_MAX, KEY_MAX, TAG_MAX, TAGS_MAX = 300, 200, 64, 50
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class TranslationContent:
    """Everything an editor (or an imported file) says about one translation.

    An empty ``slug`` is made from the title; ``category`` is a category key (None: uncategorised)
    and applies to the article, so to every language.
    """

    title: str
    body_md: str = ""
    slug: str = ""
    summary: str = ""
    tags: Sequence[str] = ()
    status: str = DRAFT
    category: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


# -- normalising input ----------------------------------------------------------------------


def normalise_lang(lang: str) -> str:
    value = str(lang).strip().lower().replace("_", "-")
    if len(value) > 8 or not LANG_PATTERN.match(value):
        raise ArticleError({"lang": "invalid"})
    return value


def normalise_body(text: str) -> str:
    """Unix newlines, no blank lines before or after (so browsers and files compare equal)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def normalise_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags:
        text = _SPACES.sub(" ", str(tag)).strip()
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())


def _clean(content: TranslationContent) -> TranslationContent:
    errors: dict[str, str] = {}
    title = _SPACES.sub(" ", content.title).strip()
    if not title:
        errors["title"] = "required"
    elif len(title) > TITLE_MAX:
        errors["title"] = "too_long"
    slug = slugify(content.slug or title)
    if not slug:
        errors["slug"] = "required" if not content.slug.strip() else "invalid"
    tags = normalise_tags(content.tags)
    if len(tags) > TAGS_MAX or any(len(tag) > TAG_MAX for tag in tags):
        errors["tags"] = "too_long"
    if content.status not in STATUSES:
        errors["status"] = "invalid"
    if errors:
        raise ArticleError(errors)
    category = (content.category or "").strip() or None
    return replace(
        content,
        title=title,
        slug=slug,
        summary=content.summary.strip(),
        body_md=normalise_body(content.body_md),
        tags=tags,
        category=category,
        metadata=dict(content.metadata),
    )


def _as_snapshot(content: TranslationContent) -> dict[str, Any]:
    return {
        "title": content.title,
        "slug": content.slug,
        "summary": content.summary,
        "body": content.body_md,
        "tags": list(content.tags),
        "status": content.status,
        "metadata": dict(content.metadata),
        "category": content.category,
    }


def snapshot(translation: Translation) -> dict[str, Any]:
    """The translation's full content in the shape revisions store."""
    category = translation.article.category
    return {
        "title": translation.title,
        "slug": translation.slug,
        "summary": translation.summary,
        "body": translation.body_md,
        "tags": list(translation.tags or []),
        "status": translation.status,
        "metadata": dict(translation.meta or {}),
        "category": category.key if category else None,
    }


def content_of(translation: Translation) -> TranslationContent:
    """The translation as input: change a field with ``dataclasses.replace`` and save it back."""
    return _from_snapshot(snapshot(translation))


def _from_snapshot(data: Mapping[str, Any]) -> TranslationContent:
    return TranslationContent(
        title=data.get("title", ""),
        body_md=data.get("body", ""),
        slug=data.get("slug", ""),
        summary=data.get("summary", ""),
        tags=list(data.get("tags") or []),
        status=data.get("status", DRAFT),
        category=data.get("category"),
        metadata=dict(data.get("metadata") or {}),
    )


# -- writing --------------------------------------------------------------------------------


def _check_slug_free(session: Session, lang: str, slug: str, own_id: int | None) -> None:
    query = select(Translation.id).where(Translation.lang == lang, Translation.slug == slug)
    if own_id is not None:
        query = query.where(Translation.id != own_id)
    if session.scalar(query.limit(1)) is not None:
        raise ArticleError({"slug": "taken"})


def _category(session: Session, key: str | None) -> Category | None:
    if key is None:
        return None
    category = get_category(session, key)
    if category is None:
        raise ArticleError({"category": "unknown"})
    return category


def _set_category(session: Session, article: Article, key: str | None) -> None:
    """Move the article (all its languages) to another category, telling the index."""
    category = _category(session, key)
    if article.category_id != (category.id if category else None):
        article.category = category
        mark_changed(session, [t.id for t in article.translations if t.id is not None])


def _add_revision(
    session: Session, translation: Translation, author: str, restored_from: int | None = None
) -> Revision:
    if translation.id is None:
        number = 1
    else:
        query = select(func.max(Revision.number)).where(Revision.translation_id == translation.id)
        number = (session.scalar(query) or 0) + 1
    revision = Revision(
        number=number,
        author=author,
        content=snapshot(translation),
        restored_from=restored_from,
    )
    if translation.id is None:
        revision.translation = translation  # inserted together with the new translation
    else:
        revision.translation_id = translation.id  # without loading the whole history
    session.add(revision)
    return revision


def create_translation(
    session: Session,
    *,
    lang: str,
    content: TranslationContent,
    author: str,
    key: str | None = None,
) -> Translation:
    """Add an article in one language. ``key`` ties languages together (default: the slug);
    an existing key adds this language to that article."""
    lang = normalise_lang(lang)
    content = _clean(content)
    article_key = slugify(key or content.slug, max_length=KEY_MAX)
    if not article_key:
        raise ArticleError({"key": "required"})
    _check_slug_free(session, lang, content.slug, None)
    article = session.scalar(select(Article).where(Article.key == article_key))
    if article is None:
        article = Article(key=article_key, category=_category(session, content.category))
        session.add(article)
    else:
        if any(t.lang == lang for t in article.translations):
            raise ArticleError({"lang": "exists"})
        _set_category(session, article, content.category)
    now = utcnow()
    translation = Translation(
        article=article,
        lang=lang,
        slug=content.slug,
        title=content.title,
        summary=content.summary,
        body_md=content.body_md,
        tags=list(content.tags),
        status=content.status,
        meta=dict(content.metadata),
        created_at=now,
        updated_at=now,
        published_at=now if content.status == PUBLISHED else None,
        updated_by=author,
    )
    session.add(translation)
    _add_revision(session, translation, author)
    session.flush()
    mark_changed(session, [translation.id])
    return translation


def _require(session: Session, translation_id: int) -> Translation:
    translation = session.get(Translation, translation_id)
    if translation is None:
        raise NotFound(f"translation {translation_id}")
    return translation


def _save(
    session: Session,
    translation: Translation,
    content: TranslationContent,
    *,
    author: str,
    expected_version: int | None,
    restored_from: int | None = None,
) -> Translation:
    translation_id = translation.id
    if expected_version is not None and expected_version != translation.version:
        current = snapshot(translation)
        raise StaleEdit(translation.id, expected_version, translation.version, current)
    content = _clean(content)
    if _as_snapshot(content) == snapshot(translation):
        return translation
    _check_slug_free(session, translation.lang, content.slug, translation.id)
    _set_category(session, translation.article, content.category)
    if content.status == PUBLISHED and translation.status != PUBLISHED:
        translation.published_at = utcnow()
    translation.title = content.title
    translation.slug = content.slug
    translation.summary = content.summary
    translation.body_md = content.body_md
    translation.tags = list(content.tags)
    translation.status = content.status
    translation.meta = dict(content.metadata)
    translation.updated_at = utcnow()
    translation.updated_by = author
    try:
        session.flush()
    except StaleDataError as exc:  # another transaction saved between our read and write
        raise StaleEdit(translation_id, expected_version, None, None) from exc
    _add_revision(session, translation, author, restored_from)
    session.flush()
    mark_changed(session, [translation.id])
    return translation


def update_translation(
    session: Session,
    translation_id: int,
    content: TranslationContent,
    *,
    author: str,
    expected_version: int,
) -> Translation:
    """Save an edit made on ``expected_version``; raises ``StaleEdit`` if someone saved since."""
    return _save(
        session,
        _require(session, translation_id),
        content,
        author=author,
        expected_version=expected_version,
    )


def set_status(
    session: Session,
    translation_id: int,
    status: str,
    *,
    author: str,
    expected_version: int | None = None,
) -> Translation:
    translation = _require(session, translation_id)
    content = replace(content_of(translation), status=status)
    return _save(session, translation, content, author=author, expected_version=expected_version)


def publish(
    session: Session, translation_id: int, *, author: str, expected_version: int | None = None
) -> Translation:
    return set_status(
        session, translation_id, PUBLISHED, author=author, expected_version=expected_version
    )


def unpublish(
    session: Session, translation_id: int, *, author: str, expected_version: int | None = None
) -> Translation:
    """Back to draft: hidden from readers and search, still editable."""
    return set_status(
        session, translation_id, DRAFT, author=author, expected_version=expected_version
    )


def archive(
    session: Session, translation_id: int, *, author: str, expected_version: int | None = None
) -> Translation:
    return set_status(
        session, translation_id, ARCHIVED, author=author, expected_version=expected_version
    )


def restore_revision(
    session: Session,
    translation_id: int,
    number: int,
    *,
    author: str,
    expected_version: int | None = None,
    restore_status: bool = False,
) -> Translation:
    """Bring back a revision's content as a new revision. The current status is kept unless
    ``restore_status`` (restoring old text should not silently unpublish an article); a category
    that no longer exists leaves the article uncategorised."""
    translation = _require(session, translation_id)
    revision = get_revision(session, translation_id, number)
    if revision is None:
        raise NotFound(f"revision {number} of translation {translation_id}")
    content = _from_snapshot(revision.content)
    if not restore_status:
        content = replace(content, status=translation.status)
    if content.category is not None and get_category(session, content.category) is None:
        content = replace(content, category=None)
    return _save(
        session,
        translation,
        content,
        author=author,
        expected_version=expected_version,
        restored_from=number,
    )
