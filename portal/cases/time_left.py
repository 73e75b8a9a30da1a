"""Time left before a promise, counted in working time of the case's own calendar, in words.

Clock time misleads an agent: on a Sunday evening a promise for Monday 09:00 is 13 hours away
but only one working hour, because nobody answers overnight. So the amount is the calendar's
opening hours between now and the promise (or since it passed), and the words name the moment
as an agent plans around it: "1 working hour left — due tomorrow at 09:00".

Amounts are rounded down (an agent is never told there is more time than there is), except
that a running clock never shows less than one working minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date

from portal.i18n import babel_locale, format_clock, gettext, ngettext
from portal.sla.calendars import BusinessCalendar
from portal.sla.words import day_words

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
# Up to this many working days the amount is told in hours, beyond in working days.
HOURS_UP_TO_DAYS = 2
# A weekday name alone is clear for this many days ahead; later moments get their date.
WEEKDAY_DAYS = 6


@dataclass(frozen=True)
class TimeLeft:
    """Where a running promise stands on its calendar at a moment."""

    due: datetime  # the promise (UTC)
    now: datetime
    working: timedelta  # opening hours from ``now`` to ``due``; negative once it has passed
    calendar: BusinessCalendar

    @property
    def overdue(self) -> bool:
        return self.due <= self.now


def time_left(calendar: BusinessCalendar, due: datetime, now: datetime) -> TimeLeft:
    """The working time between ``now`` and the promise ``due`` on ``calendar``."""
    return TimeLeft(due, now, calendar.working_time_between(now, due), calendar)


def amount_words(left: TimeLeft, lang: str) -> str:
    """ "1 working hour left", "Overdue by 3 working days", or "Overdue" when the promise
    passed while the help desk was closed."""
    if left.overdue:
        return _amount(lang, -left.working, left.calendar, overdue=True)
    return _amount(lang, left.working, left.calendar, overdue=False)


def _amount(lang: str, amount: timedelta, calendar: BusinessCalendar, *, overdue: bool) -> str:
    amount = max(amount, timedelta(0))
    day = calendar.working_day_length()
    if amount < HOUR:
        minutes = amount // MINUTE
        if overdue and minutes == 0:
            return gettext(lang, "Overdue")
        if overdue:
            return ngettext(
                lang,
                "Overdue by %(num)d working minute",
                "Overdue by %(num)d working minutes",
                minutes,
            )
        return ngettext(
            lang, "%(num)d working minute left", "%(num)d working minutes left", max(1, minutes)
        )
    if amount < HOURS_UP_TO_DAYS * day:
        hours = amount // HOUR
        if overdue:
            return ngettext(
                lang, "Overdue by %(num)d working hour", "Overdue by %(num)d working hours", hours
            )
        return ngettext(lang, "%(num)d working hour left", "%(num)d working hours left", hours)
    days = amount // day
    if overdue:
        return ngettext(
            lang, "Overdue by %(num)d working day", "Overdue by %(num)d working days", days
        )
    return ngettext(lang, "%(num)d working day left", "%(num)d working days left", days)


def due_words(left: TimeLeft, lang: str) -> str:
    """ "due tomorrow at 09:00" / "was due Friday 27 November at 16:00", in the calendar's zone
    (where the opening hours are)."""
    local_due = left.due.astimezone(left.calendar.tz)
    today = left.now.astimezone(left.calendar.tz).date()
    days = (local_due.date() - today).days
    clock = format_clock(local_due, lang)
    if days == 0:
        when = gettext(lang, "today at %(time)s", time=clock)
    elif days == 1:
        when = gettext(lang, "tomorrow at %(time)s", time=clock)
    elif days == -1:
        when = gettext(lang, "yesterday at %(time)s", time=clock)
    elif 1 < days <= WEEKDAY_DAYS:
        weekday = format_date(local_due.date(), "EEEE", locale=babel_locale(lang))
        when = gettext(lang, "%(day)s at %(time)s", day=weekday, time=clock)
    else:
        when = gettext(lang, "%(day)s at %(time)s", day=day_words(local_due, lang), time=clock)
    if left.overdue:
        # Translators: when an agent's first reply to a case was due, e.g. "yesterday at 16:00".
        return gettext(lang, "was due %(when)s", when=when)
    # Translators: by when an agent must reply to a case, e.g. "tomorrow at 09:00".
    return gettext(lang, "due %(when)s", when=when)


def time_left_words(left: TimeLeft, lang: str) -> str:
    """The amount and the moment together: "1 working hour left — due tomorrow at 09:00"."""
    # Translators: "1 working hour left" and "due tomorrow at 09:00".
    return gettext(
        lang, "%(left)s — %(due)s", left=amount_words(left, lang), due=due_words(left, lang)
    )
