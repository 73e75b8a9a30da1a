"""Articles suggested beside the complaint form: what was shown, opened and whether the
complaint was sent anyway — the deflection the reports measure.

Events belong to a *session*: a keyed hash of a random browser-session cookie (never an address,
never the case). A session that opened a suggestion and sent no complaint is a *possible
deflection*: the article may have answered the question. Only sessions that are over (no event
for ``SESSION_IDLE``) are counted, so a reader still typing is not taken for one who left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session

from kb.models import SuggestionEvent
from kb.types import utcnow

IMPRESSION, CLICK, SUBMITTED = "impression", "click", "submitted"
KINDS = (IMPRESSION, CLICK, SUBMITTED)
SESSION_IDLE = timedelta(hours=1)


def record_impressions(
    session: Session,
    *,
    lang: str,
    visitor_hash: str,
    keys: Sequence[str],
    now: datetime | None = None,
) -> list[str]:
    """Record that these articles were shown (in this order); an article already shown to the
    session is not counted again as the reader keeps typing. Returns the keys recorded."""
    if not keys:
        return []
    shown = set(
        session.scalars(
            select(SuggestionEvent.article_key).where(
                SuggestionEvent.visitor_hash == visitor_hash,
                SuggestionEvent.kind == IMPRESSION,
                SuggestionEvent.article_key.in_(list(keys)),
            )
        )
    )
    now = now or utcnow()
    recorded = []
    for position, key in enumerate(keys, start=1):
        if key in shown or key in recorded:
            continue
        session.add(
            SuggestionEvent(
                created_at=now,
                lang=lang,
                visitor_hash=visitor_hash,
                kind=IMPRESSION,
                article_key=key,
                position=position,
            )
        )
        recorded.append(key)
    session.flush()
    return recorded


def record_click(
    session: Session,
    *,
    lang: str,
    visitor_hash: str,
    key: str,
    position: int | None,
    now: datetime | None = None,
) -> None:
    session.add(
        SuggestionEvent(
            created_at=now or utcnow(),
            lang=lang,
            visitor_hash=visitor_hash,
            kind=CLICK,
            article_key=key,
            position=position,
        )
    )
    session.flush()


def record_submitted(
    session: Session, *, lang: str, visitor_hash: str, now: datetime | None = None
) -> None:
    """The session sent its complaint (recorded whether or not it saw suggestions)."""
    session.add(
        SuggestionEvent(
            created_at=now or utcnow(), lang=lang, visitor_hash=visitor_hash, kind=SUBMITTED
        )
    )
    session.flush()


@dataclass(frozen=True)
class DeflectionStats:
    """Sessions that started in the period and are over, counted once each."""

    shown: int  # sessions that saw at least one suggestion
    clicked: int  # … and opened at least one
    deflected: int  # … opened one and sent no complaint (possible deflection)
    submitted: int  # sessions that saw suggestions and sent a complaint

    @property
    def click_rate(self) -> float:
        return self.clicked / self.shown if self.shown else 0.0

    @property
    def deflection_rate(self) -> float:
        """Possible deflections per session that was shown suggestions."""
        return self.deflected / self.shown if self.shown else 0.0


def deflection_stats(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    lang: str | None = None,
    now: datetime | None = None,
    idle: timedelta = SESSION_IDLE,
) -> DeflectionStats:
    """Deflection figures for sessions whose first event lies in ``[start, end)``."""
    now = now or utcnow()

    def has(kind: str):  # type: ignore[no-untyped-def]
        return func.max(case((SuggestionEvent.kind == kind, 1), else_=0)).cast(Integer)

    per_session = select(
        SuggestionEvent.visitor_hash,
        has(IMPRESSION).label("shown"),
        has(CLICK).label("clicked"),
        has(SUBMITTED).label("submitted"),
    ).group_by(SuggestionEvent.visitor_hash)
    if lang is not None:
        per_session = per_session.where(SuggestionEvent.lang == lang)
    per_session = per_session.having(
        func.min(SuggestionEvent.created_at) >= start,
        func.min(SuggestionEvent.created_at) < end,
        func.max(SuggestionEvent.created_at) <= now - idle,
    ).subquery()
    shown = per_session.c.shown == 1
    row = session.execute(
        select(
            func.count().filter(shown),
            func.count().filter(shown, per_session.c.clicked == 1),
            func.count().filter(shown, per_session.c.clicked == 1, per_session.c.submitted == 0),
            func.count().filter(shown, per_session.c.submitted == 1),
        ).select_from(per_session)
    ).one()
    return DeflectionStats(*(int(v or 0) for v in row))
