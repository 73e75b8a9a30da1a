"""The search log: what readers look for, how much they find and what they open — without
personal data, so the reports can show zero-result searches and missing articles.

Queries are stored normalised: lowercased, whitespace collapsed, and anything that could identify
someone masked (email addresses, phone numbers, order and case numbers, long digit runs). A
search typed letter by letter is one entry: the caller passes the entry it logged a moment ago
for the same reader, and a query that extends (or shortens) that one updates it instead of
adding a row per keystroke.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kb.models import SearchLogEntry
from kb.types import utcnow

QUERY_MAX = 200
SOURCES = ("search", "typeahead")
# An as-you-type search continues the previous entry when it comes this soon after it.
CONTINUE_WITHIN = timedelta(seconds=60)

EMAIL = re.compile(r"[^\s@<>()\"']+@[^\s@<>()\"']+")
# +46 70-123 45 67, 0047 912 34 567, (08) 123 456 78: at least seven digits with separators.
PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d(?:[\s().-]{0,2}\d){6,}(?![\w])")
# #12345, K7M3-QX9T, NV-2024-88123, ab12cd: words that mix letters and digits, or # numbers.
ORDER = re.compile(
    r"#\s?\d+"
    r"|(?<![\w])(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[^\W_](?:[\w-]*[^\W_])?(?![\w])"
)
DIGITS = re.compile(r"\d{5,}")
_SPACES = re.compile(r"\s+")
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th|a|e|:a|:e|\.)?$")


def _order_like(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith("#"):
        return "[order]"
    digits = sum(c.isdigit() for c in token)
    # "14th", "3:e", "mp3", "covid-19" are words, not identifiers.
    if _ORDINAL.match(token) or digits < 3 or len(token) < 4:
        return token
    return "[order]"


def normalise_query(query: str) -> str:
    """The query as it may be stored: lowercase, single spaces, personal data masked."""
    text = _SPACES.sub(" ", query).strip().lower()
    text = EMAIL.sub("[email]", text)
    text = ORDER.sub(_order_like, text)
    text = PHONE.sub("[phone]", text)
    text = DIGITS.sub("[number]", text)
    return text[:QUERY_MAX]


def _continues(previous: str, current: str) -> bool:
    return bool(previous and current) and (
        current.startswith(previous) or previous.startswith(current)
    )


def log_search(
    session: Session,
    *,
    lang: str,
    query: str,
    result_count: int,
    source: str = "search",
    previous_id: int | None = None,
    now: datetime | None = None,
) -> int | None:
    """Log one search; returns the entry's id (None for an empty query, which is not logged).

    ``previous_id`` is the entry logged for the same reader's last search: when this query only
    extends or shortens it, nothing was opened from it yet and it is recent, it is updated."""
    normalised = normalise_query(query)
    if not normalised:
        return None
    now = now or utcnow()
    # Core statements, not the unit of work: the header search box logs once per keystroke.
    table = SearchLogEntry.__table__
    if previous_id is not None:
        previous = session.execute(
            select(
                table.c.lang, table.c.source, table.c.opened_key, table.c.created_at, table.c.query
            ).where(table.c.id == previous_id)
        ).first()
        if (
            previous is not None
            and previous.lang == lang
            and previous.source == source
            and previous.opened_key is None
            and now - previous.created_at <= CONTINUE_WITHIN
            and _continues(previous.query, normalised)
        ):
            session.execute(
                update(table)
                .where(table.c.id == previous_id)
                .values(query=normalised, result_count=result_count, created_at=now)
            )
            return previous_id
    return session.execute(
        insert(table)
        .values(
            lang=lang,
            query=normalised,
            result_count=result_count,
            source=source if source in SOURCES else "search",
            created_at=now,
        )
        .returning(table.c.id)
    ).scalar_one()


def record_open(session: Session, entry_id: int, key: str, position: int) -> bool:
    """Note which result of a logged search was opened, and at which position (1 = first).
    Only the first open counts: reopening from the back button changes nothing."""
    entry = session.get(SearchLogEntry, entry_id)
    if entry is None or entry.opened_key is not None or position < 1:
        return False
    entry.opened_key = key[:200]
    entry.opened_position = position
    session.flush()
    return True
