"""What readers tell us about articles: "Was this helpful?" votes and how often each is read.

A vote belongs to a visitor (a keyed hash the web layer derives from a random cookie, never an
address or a name) and a translation: voting again changes the vote, it never counts twice.
Views are counted in memory by the caller and added here in batches (``add_views``); together
with the votes they rank the "popular articles".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kb.models import PUBLISHED, ArticleView, Translation, Vote
from kb.types import utcnow

COMMENT_MAX = 2000
HELPFUL_WEIGHT = 20  # a "yes, this helped" says more than a page view


@dataclass(frozen=True)
class VoteCounts:
    helpful: int
    not_helpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.not_helpful


def record_vote(
    session: Session, translation_id: int, visitor_hash: str, helpful: bool, comment: str = ""
) -> Vote:
    """Store or change this visitor's vote. A comment is kept only with "not helpful" (it says
    what was missing); voting "not helpful" again without a comment keeps the earlier one."""
    comment = " ".join(comment.split())[:COMMENT_MAX] if not helpful else ""
    query = select(Vote).where(
        Vote.translation_id == translation_id, Vote.visitor_hash == visitor_hash
    )
    vote = session.scalar(query)
    if vote is None:
        try:
            with session.begin_nested():  # two tabs voting at once: the second one updates
                vote = Vote(
                    translation_id=translation_id,
                    visitor_hash=visitor_hash,
                    helpful=helpful,
                    comment=comment,
                    created_at=utcnow(),
                )
                session.add(vote)
            return vote
        except IntegrityError:
            vote = session.scalar(query)
            if vote is None:
                raise
    vote.helpful = helpful
    if helpful:
        vote.comment = ""
    elif comment:
        vote.comment = comment
    vote.created_at = utcnow()
    session.flush()
    return vote


def vote_counts(session: Session, translation_id: int) -> VoteCounts:
    row = session.execute(
        select(
            func.count().filter(Vote.helpful.is_(True)),
            func.count().filter(Vote.helpful.is_(False)),
        ).where(Vote.translation_id == translation_id)
    ).one()
    return VoteCounts(int(row[0] or 0), int(row[1] or 0))


def add_views(session: Session, counts: Mapping[int, int]) -> int:
    """Add counted views per translation id; ids of deleted translations are dropped.
    Returns how many views were stored."""
    wanted = {tid: n for tid, n in counts.items() if n > 0}
    if not wanted:
        return 0
    existing = set(session.scalars(select(Translation.id).where(Translation.id.in_(wanted))))
    rows = {
        row.translation_id: row
        for row in session.scalars(
            select(ArticleView).where(ArticleView.translation_id.in_(existing))
        )
    }
    now = utcnow()
    stored = 0
    for tid in sorted(existing):
        row = rows.get(tid)
        if row is None:
            try:
                with session.begin_nested():
                    session.add(ArticleView(translation_id=tid, views=wanted[tid], updated_at=now))
                stored += wanted[tid]
                continue
            except IntegrityError:  # another process added the row meanwhile
                row = session.get(ArticleView, tid, populate_existing=True)
                if row is None:
                    raise
        row.views = ArticleView.views + wanted[tid]  # an UPDATE … SET views = views + n
        row.updated_at = now
        stored += wanted[tid]
    session.flush()
    return stored


def popular(session: Session, lang: str, limit: int = 6) -> list[Translation]:
    """Published articles in ``lang`` by views plus helpful votes (weighted); newest first among
    equals, so a fresh site still shows something."""
    helpful = (
        select(Vote.translation_id, func.count().label("n"))
        .where(Vote.helpful.is_(True))
        .group_by(Vote.translation_id)
        .subquery()
    )
    views = func.coalesce(ArticleView.views, 0)
    votes = func.coalesce(helpful.c.n, 0)
    query = (
        select(Translation)
        .outerjoin(ArticleView, ArticleView.translation_id == Translation.id)
        .outerjoin(helpful, helpful.c.translation_id == Translation.id)
        .where(Translation.lang == lang, Translation.status == PUBLISHED)
        .order_by(
            (views + HELPFUL_WEIGHT * votes).desc(),
            Translation.published_at.desc(),
            Translation.id,
        )
        .limit(limit)
    )
    return list(session.scalars(query))


def views_of(session: Session, translation_id: int) -> int:
    row = session.get(ArticleView, translation_id)
    return row.views if row else 0
