"""The promise as a customer reads it: a local date and time, and in words, in their language."""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date, format_time

from portal.i18n import N_, gettext, ngettext
from portal.sla.promise import Promise

# Date patterns are translatable so each language writes dates its own way.
DATE_PATTERN = N_("EEEE d MMMM")
TIME_PATTERN = N_("HH:mm")


@dataclass(frozen=True)
class PromiseText:
    date: str  # "Tuesday 25 November"
    time: str  # "12:00"
    deadline: str  # "by Tuesday 25 November at 12:00"
    within: str  # "within one working day"
    sentence: str  # "by Tuesday 25 November at 12:00 — within one working day"
    iso: str  # 2026-11-25T12:00:00+01:00


def describe(promise: Promise, lang: str) -> PromiseText:
    local = promise.local_due
    date = format_date(local.date(), gettext(lang, DATE_PATTERN), locale=lang)
    clock = format_time(local.timetz(), gettext(lang, TIME_PATTERN), locale=lang)
    deadline = gettext(lang, "by %(date)s at %(time)s", date=date, time=clock)
    days = promise.working_days
    if days == 1:
        within = gettext(lang, "within one working day")
    else:
        within = ngettext(lang, "within %(num)d working day", "within %(num)d working days", days)
    sentence = gettext(lang, "%(deadline)s — %(within)s", deadline=deadline, within=within)
    return PromiseText(date, clock, deadline, within, sentence, local.isoformat())
