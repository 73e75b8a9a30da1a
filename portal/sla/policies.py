"""Policies and calendars as the engine uses them: read once from the database, cached in-process.

Defaults are seeded by ``ensure_defaults`` (idempotent; run by ``portal db upgrade`` and
``portal demo``). Until they are seeded, ``load_sla`` answers with the same defaults, so a fresh
database still makes honest promises. Admin edits call ``invalidate()``; other processes pick the
change up within ``CACHE_SECONDS``.

Default targets keep what the help centre promises: a first answer within 2 working days at the
latest (18 working hours), sooner for billing and service questions and for urgent cases.
"""

from __future__ import annotations

import threading
import time as clock
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.labels import CATEGORIES
from portal.sla.calendars import (
    DEFAULT_EVES,
    WEEKDAYS_8_TO_17,
    BusinessCalendar,
    OfficeHours,
    default_calendar,
)
from portal.sla.models import SlaCalendar, SlaLanguage, SlaPolicy

PRIORITIES = ("low", "normal", "high", "urgent")
FALLBACK_CATEGORY, FALLBACK_PRIORITY = "other", "normal"
CACHE_SECONDS = 30.0

# Working hours: (first response, resolution) per category at normal priority.
_NORMAL_HOURS: dict[str, tuple[int, int]] = {
    "billing": (9, 27),  # one working day; solved within three
    "service": (9, 27),
    "product": (18, 90),  # two working days; inspection can take ten
    "other": (18, 45),
}
# First-response hours by priority; None = the category's normal target.
_PRIORITY_FIRST: dict[str, int | None] = {"low": None, "normal": None, "high": 4, "urgent": 2}
# Resolution time by priority, as a share of the normal one.
_PRIORITY_RESOLUTION: dict[str, float] = {"low": 1.0, "normal": 1.0, "high": 0.5, "urgent": 0.25}

DEFAULT_CALENDARS = {"SE": "Sweden", "NO": "Norway"}
DEFAULT_LANGUAGES = {"sv": "SE", "nb": "NO", "en": "SE"}
FALLBACK_CALENDAR = "SE"


@dataclass(frozen=True)
class Policy:
    """Targets in working time of the case's calendar."""

    category: str
    priority: str
    first_response: timedelta
    resolution: timedelta


def default_policy(category: str, priority: str) -> Policy:
    first, resolution = _NORMAL_HOURS.get(category, _NORMAL_HOURS[FALLBACK_CATEGORY])
    quick = _PRIORITY_FIRST.get(priority)
    first = min(first, quick) if quick is not None else first
    share = _PRIORITY_RESOLUTION.get(priority, 1.0)
    return Policy(
        category,
        priority,
        timedelta(hours=first),
        max(timedelta(hours=first), timedelta(hours=resolution * share)),
    )


@dataclass(frozen=True)
class SlaConfig:
    """Calendars per language and policies per (category, priority)."""

    calendars: Mapping[str, BusinessCalendar]  # by key
    languages: Mapping[str, str]  # lang -> calendar key
    policies: Mapping[tuple[str, str], Policy]

    def calendar_for(self, lang: str) -> BusinessCalendar:
        key = self.languages.get(lang) or self.languages.get("en") or FALLBACK_CALENDAR
        found = self.calendars.get(key)
        if found is not None:
            return found
        return next(iter(self.calendars.values()), None) or default_calendar(FALLBACK_CALENDAR)

    def calendar(self, key: str, lang: str = "en") -> BusinessCalendar:
        """The calendar stored on a case, or the language's when it is gone."""
        return self.calendars.get(key) or self.calendar_for(lang)

    def policy_for(self, category: str, priority: str = "normal") -> Policy:
        for wanted in (
            (category, priority),
            (category, FALLBACK_PRIORITY),
            (FALLBACK_CATEGORY, priority),
            (FALLBACK_CATEGORY, FALLBACK_PRIORITY),
        ):
            found = self.policies.get(wanted)
            if found is not None:
                return found
        return default_policy(category, priority)


@cache
def default_config() -> SlaConfig:
    """The seeded defaults (shared: the calendars cache their opening intervals)."""
    calendars = {key: default_calendar(key) for key in DEFAULT_CALENDARS}
    policies = {(c, p): default_policy(c, p) for c in CATEGORIES for p in PRIORITIES}
    return SlaConfig(calendars, dict(DEFAULT_LANGUAGES), policies)


# --- storage -------------------------------------------------------------------------------


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _time(text: str) -> time:
    return time.fromisoformat(text)


def calendar_from_row(row: SlaCalendar) -> BusinessCalendar:
    hours: list[OfficeHours] = [
        (_time(span[0]), _time(span[1])) if span else None for span in (row.hours or [])
    ]
    return BusinessCalendar.build(
        row.key,
        row.tz,
        hours=hours,
        country=row.country or None,
        eves={name: _time(v) if v else None for name, v in (row.eves or {}).items()},
        closed_days=[date.fromisoformat(d) for d in (row.closed_days or [])],
    )


def calendar_row_values(calendar: BusinessCalendar) -> dict[str, object]:
    """Column values storing ``calendar`` (for seeding and for the admin pages)."""
    return {
        "key": calendar.key,
        "tz": calendar.tz.key,
        "country": calendar.country,
        "hours": [[_hhmm(s[0]), _hhmm(s[1])] if s else None for s in calendar.hours],
        "eves": {name: _hhmm(v) if v else None for name, v in calendar.eves},
        "closed_days": sorted(d.isoformat() for d in calendar.closed_days),
    }


def ensure_defaults(session: Session) -> bool:
    """Seed the default calendars, language assignments and policies that are missing.

    Idempotent: never changes a row that exists, so admins' edits survive upgrades. Returns
    whether anything was added.
    """
    added = False
    rows = {c.key: c for c in session.scalars(select(SlaCalendar))}
    for key, name in DEFAULT_CALENDARS.items():
        if key not in rows:
            rows[key] = SlaCalendar(name=name, **calendar_row_values(default_calendar(key)))
            session.add(rows[key])
            added = True
    session.flush()
    assigned = set(session.scalars(select(SlaLanguage.lang)))
    for lang, key in DEFAULT_LANGUAGES.items():
        if lang not in assigned:
            session.add(SlaLanguage(lang=lang, calendar_id=rows[key].id))
            added = True
    existing = {(c, p) for c, p in session.execute(select(SlaPolicy.category, SlaPolicy.priority))}
    for category in CATEGORIES:
        for priority in PRIORITIES:
            if (category, priority) not in existing:
                policy = default_policy(category, priority)
                session.add(
                    SlaPolicy(
                        category=category,
                        priority=priority,
                        first_response_minutes=int(policy.first_response.total_seconds() // 60),
                        resolution_minutes=int(policy.resolution.total_seconds() // 60),
                    )
                )
                added = True
    session.flush()
    if added:
        invalidate()
    return added


def _read(session: Session) -> SlaConfig:
    defaults = default_config()
    calendars = {row.key: calendar_from_row(row) for row in session.scalars(select(SlaCalendar))}
    if not calendars:
        return defaults
    languages = dict(DEFAULT_LANGUAGES)
    for lang, key in session.execute(
        select(SlaLanguage.lang, SlaCalendar.key).join(
            SlaCalendar, SlaCalendar.id == SlaLanguage.calendar_id
        )
    ):
        languages[lang] = key
    policies = dict(defaults.policies)
    for row in session.scalars(select(SlaPolicy)):
        policies[(row.category, row.priority)] = Policy(
            row.category,
            row.priority,
            timedelta(minutes=row.first_response_minutes),
            timedelta(minutes=row.resolution_minutes),
        )
    return SlaConfig(calendars, languages, policies)


_cache_lock = threading.Lock()
_cached: WeakKeyDictionary[object, tuple[float, SlaConfig]] = WeakKeyDictionary()


def engine_of(session: Session) -> object:
    """The engine behind ``session``: caches live per engine (a test's database is its own)."""
    bind = session.get_bind()
    return getattr(bind, "engine", bind)


def load_sla(session: Session) -> SlaConfig:
    """The current calendars and policies; cached per database for ``CACHE_SECONDS``."""
    key = engine_of(session)
    now = clock.monotonic()
    hit = _cached.get(key)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    config = _read(session)
    with _cache_lock:
        _cached[key] = (now, config)
    return config


def invalidate() -> None:
    """Forget the cached configuration; call after an admin saves a policy or a calendar."""
    with _cache_lock:
        _cached.clear()


__all__ = [
    "CATEGORIES",
    "DEFAULT_EVES",
    "PRIORITIES",
    "WEEKDAYS_8_TO_17",
    "Policy",
    "SlaConfig",
    "calendar_from_row",
    "calendar_row_values",
    "default_config",
    "default_policy",
    "ensure_defaults",
    "invalidate",
    "load_sla",
]
