"""Knowledge-base tables: categories, articles and their translations, revisions, synonyms,
and the feedback and search logs that the reports read.

An *article* is the language-neutral identity (its ``key`` ties translations together, and it
carries the category); each *translation* is what a reader sees in one language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kb.types import NAMING_CONVENTION, UTCDateTime, utcnow

DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
STATUSES = (DRAFT, PUBLISHED, ARCHIVED)
FALLBACK_LANG = "en"


class Base(DeclarativeBase):
    """Base of the knowledge-base tables; Alembic sees this metadata beside the portal's."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


def _pick(values: dict[str, str], lang: str, default: str) -> str:
    """The text in ``lang``, else English, else any language, else ``default``."""
    for candidate in (lang, FALLBACK_LANG):
        if values.get(candidate):
            return values[candidate]
    return next((v for v in values.values() if v), default)


class Category(Base):
    __tablename__ = "kb_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def name(self, lang: str) -> str:
        return _pick(self.names or {}, lang, self.key)

    def description(self, lang: str) -> str:
        return _pick(self.descriptions or {}, lang, "")


class Article(Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="SET NULL"), index=True, default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[Category | None] = relationship(lazy="joined")
    translations: Mapped[list[Translation]] = relationship(
        back_populates="article", order_by="Translation.lang", cascade="all, delete-orphan"
    )


class Translation(Base):
    """One article in one language. ``version`` guards against lost updates between editors."""

    __tablename__ = "kb_translations"
    __table_args__ = (
        UniqueConstraint("lang", "slug"),
        UniqueConstraint("article_id", "lang"),
        Index("ix_kb_translations_lang_status", "lang", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    slug: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    # Front-matter keys the portal does not know, kept so an export gives them back.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    article: Mapped[Article] = relationship(back_populates="translations", lazy="joined")
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="translation",
        order_by="Revision.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    @property
    def key(self) -> str:
        return self.article.key

    @property
    def category(self) -> Category | None:
        return self.article.category

    @property
    def is_published(self) -> bool:
        return self.status == PUBLISHED


class Revision(Base):
    """A full snapshot of a translation after one edit; any of them can be restored."""

    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("translation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("kb_translations.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # title, slug, summary, body, tags, status, metadata, category (key or None)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    restored_from: Mapped[int | None] = mapped_column(default=None)

    translation: Mapped[Translation] = relationship(back_populates="revisions")


class SynonymGroup(Base):
    """Words an editor declared equivalent in one language ("pengar tillbaka" ~ "återbetalning")."""

    __tablename__ = "kb_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), index=True)
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), default="")


class Vote(Base):
    """ "Was this helpful?" — one per visitor (a keyed hash, never an address) and translation."""

    __tablename__ = "kb_votes"
    __table_args__ = (UniqueConstraint("translation_id", "visitor_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    translation_id: Mapped[int] = mapped_column(
        ForeignKey("kb_translations.id", ondelete="CASCADE")
    )
    visitor_hash: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ArticleView(Base):
    """How often a translation was read, for "popular articles": counted in memory by the web
    layer and added here in batches, so reading an article never waits for a write."""

    __tablename__ = "kb_article_views"

    translation_id: Mapped[int] = mapped_column(
        ForeignKey("kb_translations.id", ondelete="CASCADE"), primary_key=True
    )
    views: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchLogEntry(Base):
    """One search, without personal data: what was asked, how many hits, what was opened."""

    __tablename__ = "kb_search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    query: Mapped[str] = mapped_column(String(500))
    result_count: Mapped[int] = mapped_column(default=0)
    opened_key: Mapped[str | None] = mapped_column(String(200), default=None)
    opened_position: Mapped[int | None] = mapped_column(default=None)
    source: Mapped[str] = mapped_column(String(16), default="search")


class SuggestionEvent(Base):
    """Articles suggested beside the complaint form: impressions, clicks and submissions."""

    __tablename__ = "kb_suggestion_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    visitor_hash: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    article_key: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int | None] = mapped_column(default=None)


# The insights page counts a period's searches per language without reading the rows.
Index(
    "ix_kb_search_log_period",
    SearchLogEntry.created_at,
    SearchLogEntry.lang,
    SearchLogEntry.result_count,
    SearchLogEntry.opened_key,
)
