"""Articles as the search index sees them: published translations as ``SearchDocument`` values.

The index is derived from the database; these functions are its only source, used for full
rebuilds and for the updates that follow each commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb.markdown import render
from kb.models import PUBLISHED, SynonymGroup, Translation
from kb.reading import get_translations
from kb.search import SearchDocument

BATCH = 500


def to_document(translation: Translation, internal_hosts: Iterable[str] = ()) -> SearchDocument:
    category = translation.article.category
    return SearchDocument(
        id=str(translation.id),
        key=translation.article.key,
        lang=translation.lang,
        slug=translation.slug,
        title=translation.title,
        summary=translation.summary or "",
        body=render(translation.body_md or "", internal_hosts=internal_hosts).text,
        tags=tuple(translation.tags or ()),
        category=category.key if category else None,
        updated_at=translation.updated_at,
    )


def changes_for(
    session: Session, ids: Iterable[int], internal_hosts: Iterable[str] = ()
) -> tuple[list[SearchDocument], list[str]]:
    """What the index must do for these translations: published ones are (re)indexed, drafts,
    archived and deleted ones removed."""
    wanted = sorted(set(ids))
    found = {t.id: t for t in get_translations(session, wanted)}
    upserts = [to_document(t, internal_hosts) for t in found.values() if t.status == PUBLISHED]
    deletes = [str(i) for i in wanted if i not in found or found[i].status != PUBLISHED]
    return upserts, deletes


def published_documents(
    session: Session, internal_hosts: Iterable[str] = ()
) -> Iterator[SearchDocument]:
    """Every published translation, read in batches (a rebuild of a large help centre)."""
    last = 0
    while True:
        batch = list(
            session.scalars(
                select(Translation)
                .where(Translation.status == PUBLISHED, Translation.id > last)
                .order_by(Translation.id)
                .limit(BATCH)
            )
        )
        if not batch:
            return
        for translation in batch:
            yield to_document(translation, internal_hosts)
        last = batch[-1].id
        session.expunge_all()


def published_versions(session: Session) -> dict[str, object]:
    """Published translation id → last change, to find what an index missed while it was down."""
    rows = session.execute(
        select(Translation.id, Translation.updated_at).where(Translation.status == PUBLISHED)
    )
    return {str(tid): updated for tid, updated in rows}


def change_stamp(session: Session) -> tuple[object, ...]:
    """Changes whenever any translation is saved, published, unpublished or deleted."""
    row = session.execute(
        select(
            func.max(Translation.updated_at), func.count(Translation.id), func.max(Translation.id)
        )
    ).one()
    return tuple(row)


def synonym_stamp(session: Session) -> tuple[object, ...]:
    row = session.execute(
        select(
            func.max(SynonymGroup.updated_at),
            func.count(SynonymGroup.id),
            func.max(SynonymGroup.id),
        )
    ).one()
    return tuple(row)
