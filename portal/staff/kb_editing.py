"""The editors' operations on articles, each one audited: save (with or without a status change),
restore a revision. Also what the edit page shows beside the form: the source language and
whether this translation has fallen behind it.

The web layer parses the form into an ``ArticleForm`` and calls these in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from kb import articles
from kb.articles import TranslationContent
from kb.editorial import is_outdated, source_of
from kb.markdown import render
from kb.models import Translation
from portal.i18n import N_, gettext
from portal.staff.audit import Actor, record_audit

# What each action of the edit form does to the status (None: keep it).
ACTIONS = {"save": None, "publish": "published", "unpublish": "draft", "archive": "archived"}

# Messages for ``ArticleError`` codes, by field and code (the field's own wording first).
FIELD_MESSAGES = {
    ("title", "required"): N_("Enter a title."),
    ("title", "too_long"): N_("The title is too long. Use at most 300 characters."),
    ("slug", "taken"): N_("Another article in this language already uses this address."),
    ("slug", "invalid"): N_("Use letters, digits and hyphens for the address."),
    ("slug", "required"): N_("Use letters, digits and hyphens for the address."),
    ("key", "required"): N_("Use letters, digits and hyphens for the article key."),
    ("key", "invalid"): N_("Use letters, digits and hyphens for the article key."),
    ("tags", "too_long"): N_("Use at most 50 tags of up to 64 characters each."),
    ("category", "unknown"): N_("Choose a category from the list."),
    ("lang", "exists"): N_("This article is already written in this language."),
    ("lang", "invalid"): N_("Choose a language from the list."),
}
UNKNOWN_PROBLEM = N_("This value cannot be saved.")


@dataclass(frozen=True)
class ArticleForm:
    """What the editor sent, exactly as typed (so a refused form shows it again unchanged)."""

    title: str = ""
    slug: str = ""
    summary: str = ""
    category: str = ""
    tags: str = ""
    body: str = ""
    key: str = ""
    version: int | None = None

    def content(self, status: str) -> TranslationContent:
        return TranslationContent(
            title=self.title,
            body_md=self.body,
            slug=self.slug,
            summary=self.summary,
            tags=[t for t in self.tags.split(",") if t.strip()],
            status=status,
            category=self.category or None,
        )

    def snapshot(self) -> dict[str, Any]:
        """The form in the shape of a revision, for a diff against a newer save."""
        return {
            "title": self.title,
            "slug": self.slug,
            "summary": self.summary,
            "body": self.body,
            "tags": [t.strip() for t in self.tags.split(",") if t.strip()],
            "category": self.category or None,
        }

    @classmethod
    def of(cls, translation: Translation) -> ArticleForm:
        category = translation.article.category
        return cls(
            title=translation.title,
            slug=translation.slug,
            summary=translation.summary,
            category=category.key if category else "",
            tags=", ".join(translation.tags or []),
            body=translation.body_md,
            key=translation.article.key,
            version=translation.version,
        )


def error_messages(lang: str, errors: dict[str, str]) -> dict[str, str]:
    return {
        name: gettext(lang, FIELD_MESSAGES.get((name, code), UNKNOWN_PROBLEM))
        for name, code in errors.items()
    }


def save_article(
    session: Session,
    actor: Actor,
    *,
    key: str,
    lang: str,
    form: ArticleForm,
    action: str,
    client: str = "",
) -> Translation:
    """Create the translation or save an edit made on ``form.version``; raises ``ArticleError``
    or ``StaleEdit`` (nothing saved) when it cannot."""
    wanted = ACTIONS[action]
    translation = articles.find_translation(session, key, lang) if key else None
    if translation is None:
        content = form.content(wanted or "draft")
        translation = articles.create_translation(
            session, lang=lang, content=content, author=actor.email, key=key or form.key or None
        )
        verb = "create"
    else:
        content = form.content(wanted or translation.status)
        version = form.version if form.version is not None else -1
        translation = articles.update_translation(
            session, translation.id, content, author=actor.email, expected_version=version
        )
        verb = action
    session.flush()
    record_audit(
        session,
        actor,
        f"kb.article.{verb}",
        ("kb_translations", translation.id),
        {
            "key": translation.article.key,
            "lang": lang,
            "status": translation.status,
            "version": translation.version,
        },
        client=client,
    )
    return translation


def restore(
    session: Session, actor: Actor, translation: Translation, number: int, client: str = ""
) -> Translation:
    restored = articles.restore_revision(session, translation.id, number, author=actor.email)
    record_audit(
        session,
        actor,
        "kb.article.restore",
        ("kb_translations", translation.id),
        {"key": translation.article.key, "lang": translation.lang, "revision": number},
        client=client,
    )
    return restored


@dataclass(frozen=True)
class SourceSide:
    """The source language's text shown beside a translation being written."""

    lang: str
    title: str
    summary: str
    body: str
    html: str
    outdated: bool


def source_side(
    session: Session, key: str, lang: str, source_lang: str | None
) -> SourceSide | None:
    """The article in ``source_lang`` (default: its source language), unless that is ``lang``."""
    article = articles.get_article(session, key)
    if article is None:
        return None
    by_lang = {t.lang: t for t in article.translations}
    source = by_lang.get(source_lang or "") or source_of(article.translations)
    if source is None or source.lang == lang:
        return None
    mine = by_lang.get(lang)
    return SourceSide(
        lang=source.lang,
        title=source.title,
        summary=source.summary,
        body=source.body_md,
        html=render(source.body_md).html,
        outdated=bool(mine and is_outdated(session, mine, source)),
    )


def with_image(form: ArticleForm, markdown: str) -> ArticleForm:
    """The form with an image's markdown added at the end of the body."""
    body = form.body.rstrip("\n")
    return replace(form, body=f"{body}\n\n{markdown}\n" if body else f"{markdown}\n")
