"""Admins change response-time policies and business calendars: what they type is checked here.

Every check names the field it is about and gives an English message (translated where it is
shown), so a form can put each problem next to its field and keep everything that was typed.
Parsing happens before anything is saved: a form with any problem changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import available_timezones

import holidays

from portal.i18n import N_

# Targets are typed as an amount of working hours or working days.
HOURS = "hours"
DAYS = "days"
UNITS = (HOURS, DAYS)
# A target above this is a typing mistake, not a promise a customer would accept.
MAX_TARGET_DAYS = 60
MAX_LABEL = 100
WEEKDAYS = tuple(range(7))  # Monday = 0

_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")
_AMOUNT = re.compile(r"^\s*\d+(?:[.,]\d{1,2})?\s*$")


class SlaFormError(ValueError):
    """One or more fields the admin must correct: ``{field: (message, variables)}``."""

    def __init__(self, problems: Mapping[str, tuple[str, dict[str, object]]]) -> None:
        super().__init__(", ".join(problems))
        self.problems = dict(problems)


@dataclass
class Problems:
    """Collects the problems of one form, then raises them together."""

    found: dict[str, tuple[str, dict[str, object]]] = field(default_factory=dict)

    def add(self, name: str, message: str, **variables: object) -> None:
        self.found.setdefault(name, (message, variables))

    def raise_any(self) -> None:
        if self.found:
            raise SlaFormError(self.found)


# -- targets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A target as the admin typed it: ``amount`` working ``unit`` (hours or days)."""

    amount: Decimal
    unit: str

    def minutes(self, hours_per_day: Decimal | float) -> int:
        """The target in working minutes; a working day is the calendar's usual opening hours."""
        hours = self.amount if self.unit == HOURS else self.amount * Decimal(str(hours_per_day))
        return int((hours * 60).to_integral_value())


def parse_target(
    problems: Problems, name: str, amount: str, unit: str, hours_per_day: float = 9
) -> Target | None:
    """A positive, sensible amount of working hours or days; ``None`` (and a problem) if not."""
    text = (amount or "").strip()
    if unit not in UNITS:
        problems.add(name, N_("Choose working hours or working days."))
        return None
    if not text:
        problems.add(name, N_("Enter a target, such as 8 working hours or 2 working days."))
        return None
    if not _AMOUNT.match(text):
        problems.add(name, N_("Enter the target as a number, such as 8 or 1.5."))
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        problems.add(name, N_("Enter the target as a number, such as 8 or 1.5."))
        return None
    target = Target(value, unit)
    if value <= 0 or target.minutes(hours_per_day) < 1:
        problems.add(name, N_("The target must be more than zero."))
        return None
    if target.minutes(hours_per_day) > MAX_TARGET_DAYS * hours_per_day * 60:
        problems.add(
            name,
            N_("The target can be at most %(days)d working days."),
            days=MAX_TARGET_DAYS,
        )
        return None
    return target


def target_form_value(minutes: int, hours_per_day: float = 9) -> tuple[str, str]:
    """How a stored target is shown in the form: whole days when it is whole days, else hours."""
    day = round(hours_per_day * 60)
    if day and minutes >= day and minutes % day == 0:
        return str(minutes // day), DAYS
    hours = Decimal(minutes) / 60
    text = f"{hours:.2f}".rstrip("0").rstrip(".")
    return text, HOURS


# -- opening hours ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayHours:
    """One weekday: closed, or open from ``opens`` to ``closes`` (local time)."""

    weekday: int
    opens: time | None
    closes: time | None

    @property
    def is_open(self) -> bool:
        return self.opens is not None and self.closes is not None


def parse_time(problems: Problems, name: str, text: str) -> time | None:
    match = _TIME.match(text or "")
    if not match:
        problems.add(name, N_("Enter a time such as 08:00."))
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour == 24 and minute == 0:
        return time(23, 59, 59)  # "until midnight"
    if hour > 23 or minute > 59:
        problems.add(name, N_("Enter a time such as 08:00."))
        return None
    return time(hour, minute)


def parse_day(
    problems: Problems, prefix: str, weekday: int, opens: str, closes: str, closed: bool
) -> DayHours:
    """A weekday's row; fields ``{prefix}-opens`` and ``{prefix}-closes``."""
    if closed:
        return DayHours(weekday, None, None)
    start = parse_time(problems, f"{prefix}-opens", opens)
    end = parse_time(problems, f"{prefix}-closes", closes)
    if start is not None and end is not None and end <= start:
        problems.add(f"{prefix}-closes", N_("The closing time must be after the opening time."))
    return DayHours(weekday, start, end)


def time_form_value(value: time | None) -> str:
    if value is None:
        return ""
    if value >= time(23, 59):
        return "24:00"
    return value.strftime("%H:%M")


# -- time zone, country, closed days ------------------------------------------------------------


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA time zone the server knows, for the form's suggestions."""
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")))


@cache
def countries() -> tuple[str, ...]:
    """Two-letter codes of the countries whose public holidays the ``holidays`` package knows."""
    return tuple(sorted(c for c in holidays.list_supported_countries() if len(c) == 2))


def parse_time_zone(problems: Problems, name: str, text: str) -> str:
    value = (text or "").strip()
    if not value:
        problems.add(name, N_("Enter a time zone, such as Europe/Stockholm."))
    elif value not in available_timezones():
        problems.add(
            name,
            N_("%(zone)s is not a time zone we know; choose one such as Europe/Oslo."),
            zone=value,
        )
    return value


def parse_country(problems: Problems, name: str, text: str) -> str:
    value = (text or "").strip().upper()
    if not value:
        problems.add(name, N_("Enter the country whose public holidays apply, such as SE."))
    elif value not in countries():
        problems.add(
            name,
            N_("No public holidays are known for %(country)s; use a code such as SE or NO."),
            country=value,
        )
    return value


def parse_date(problems: Problems, name: str, text: str) -> date | None:
    value = (text or "").strip()
    if not value:
        problems.add(name, N_("Enter the date, such as 2026-12-28."))
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        problems.add(name, N_("Enter a real date as year-month-day, such as 2026-12-28."))
        return None


def parse_label(problems: Problems, name: str, text: str) -> str:
    value = " ".join((text or "").split())
    if len(value) > MAX_LABEL:
        problems.add(name, N_("The label can be at most %(max)d characters."), max=MAX_LABEL)
    return value


# -- eves ---------------------------------------------------------------------------------------

EVE_OPEN = "open"  # an ordinary day
EVE_CLOSED = "closed"
EVE_EARLY = "early"  # closes at a given time
EVE_CHOICES = (EVE_OPEN, EVE_CLOSED, EVE_EARLY)


def parse_eves(
    problems: Problems, names: tuple[str, ...], form: Mapping[str, str]
) -> dict[str, time | None]:
    """Eve rules from fields ``eve-{name}`` and ``eve-{name}-closes``; ordinary days are left out.

    The result is what ``BusinessCalendar.build(eves=...)`` takes: None = closed, a time = closes.
    """
    rules: dict[str, time | None] = {}
    for name in names:
        choice = form.get(f"eve-{name}", EVE_OPEN)
        if choice not in EVE_CHOICES:
            problems.add(f"eve-{name}", N_("Choose how this eve is treated."))
        elif choice == EVE_CLOSED:
            rules[name] = None
        elif choice == EVE_EARLY:
            closes = parse_time(problems, f"eve-{name}-closes", form.get(f"eve-{name}-closes", ""))
            if closes is not None:
                rules[name] = closes
    return rules


def eve_form_values(names: tuple[str, ...], rules: Mapping[str, time | None]) -> dict[str, str]:
    """The eve fields as the form shows saved rules."""
    values: dict[str, str] = {}
    for name in names:
        if name not in rules:
            values[f"eve-{name}"], values[f"eve-{name}-closes"] = EVE_OPEN, ""
        elif rules[name] is None:
            values[f"eve-{name}"], values[f"eve-{name}-closes"] = EVE_CLOSED, ""
        else:
            values[f"eve-{name}"] = EVE_EARLY
            values[f"eve-{name}-closes"] = time_form_value(rules[name])
    return values
