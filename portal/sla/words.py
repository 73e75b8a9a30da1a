"""The promise as a customer reads it: a local date and time, and in words, in their language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date

from portal.i18n import N_, babel_locale, format_clock, gettext, ngettext
from portal.sla.promise import Promise

# The day is a translatable pattern (Babel has no standard "weekday, day and month" without the
# year); the time of day is Babel's own short format for the language.
DATE_PATTERN = N_("EEEE d MMMM")


@dataclass(frozen=True)
class PromiseText:
    date: str  # "Tuesday 25 November"
    time: str  # "12:00"
    deadline: str  # "by Tuesday 25 November at 12:00"
    within: str  # "within one working day"
    sentence: str  # "by Tuesday 25 November at 12:00 — within one working day"
    iso: str  # 2026-11-25T12:00:00+01:00


def day_words(local: datetime, lang: str) -> str:
    """ "Tuesday 25 November" as ``lang`` writes it, for a local moment."""
    return _day_words(local.date(), lang)


@lru_cache(maxsize=512)
def _day_words(day: date, lang: str) -> str:
    # Remembered: every email and page about a case names its day, and Babel takes 40 µs.
    return format_date(day, gettext(lang, DATE_PATTERN), locale=babel_locale(lang))


def deadline_words(local: datetime, lang: str) -> str:
    """ "by Tuesday 25 November at 12:00" for a local moment, in ``lang``."""
    return _deadline(day_words(local, lang), format_clock(local, lang), lang)


def _deadline(date: str, clock: str, lang: str) -> str:
    return gettext(lang, "by %(date)s at %(time)s", date=date, time=clock)


def describe(promise: Promise, lang: str) -> PromiseText:
    local = promise.local_due
    date, clock = day_words(local, lang), format_clock(local, lang)
    deadline = _deadline(date, clock, lang)
    days = promise.working_days
    if days == 1:
        within = gettext(lang, "within one working day")
    else:
        within = ngettext(lang, "within %(num)d working day", "within %(num)d working days", days)
    sentence = gettext(lang, "%(deadline)s — %(within)s", deadline=deadline, within=within)
    return PromiseText(date, clock, deadline, within, sentence, local.isoformat())
