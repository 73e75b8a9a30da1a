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
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import LANGUAGES, N_
from portal.sla.calendars import EVES
from portal.sla.models import SlaCalendar, SlaLanguage, SlaPolicy
from portal.sla.policies import (
    CATEGORIES,
    PRIORITIES,
    SlaConfig,
    ensure_defaults,
    invalidate,
    load_sla,
)
from portal.staff.audit import Actor, record_audit

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
    return "" if value is None else value.strftime("%H:%M")


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


# -- saving -------------------------------------------------------------------------------------
# Each change is checked in full first, saved with an audit entry in the caller's transaction,
# and the cached configuration is dropped once the transaction has committed (``settings_changed``).


def target_field(kind: str, category: str, priority: str) -> str:
    """The form field of one target: ``first-billing-normal`` or ``resolution-billing-normal``."""
    return f"{kind}-{category}-{priority}"


def _policy_rows(session: Session) -> dict[tuple[str, str], SlaPolicy]:
    return {(p.category, p.priority): p for p in session.scalars(select(SlaPolicy))}


def save_targets(session: Session, form: Mapping[str, str], actor: Actor, client: str) -> None:
    """Every category × priority target from the targets form; raises ``SlaFormError``."""
    ensure_defaults(session)
    config = load_sla_fresh(session)
    hours_per_day = _hours_per_day(config)
    problems = Problems()
    wanted: dict[tuple[str, str], tuple[int, int]] = {}
    for category in CATEGORIES:
        for priority in PRIORITIES:
            first_name = target_field("first", category, priority)
            done_name = target_field("resolution", category, priority)
            first = parse_target(
                problems,
                first_name,
                form.get(first_name, ""),
                form.get(f"{first_name}-unit", HOURS),
                hours_per_day,
            )
            done = parse_target(
                problems,
                done_name,
                form.get(done_name, ""),
                form.get(f"{done_name}-unit", HOURS),
                hours_per_day,
            )
            if first is None or done is None:
                continue
            first_minutes, done_minutes = first.minutes(hours_per_day), done.minutes(hours_per_day)
            if done_minutes < first_minutes:
                problems.add(
                    done_name,
                    N_("A case cannot be resolved sooner than it is first answered."),
                )
            wanted[(category, priority)] = (first_minutes, done_minutes)
    problems.raise_any()
    rows = _policy_rows(session)
    changes: dict[str, list[int]] = {}
    for (category, priority), (first_minutes, done_minutes) in wanted.items():
        row = rows.get((category, priority))
        if row is None:
            row = SlaPolicy(category=category, priority=priority)
            session.add(row)
            before = [0, 0]
        else:
            before = [row.first_response_minutes, row.resolution_minutes]
        if before != [first_minutes, done_minutes]:
            row.first_response_minutes, row.resolution_minutes = first_minutes, done_minutes
            changes[f"{category}/{priority}"] = [first_minutes, done_minutes]
    if changes:
        record_audit(
            session,
            actor,
            "sla.targets",
            ("sla_policies", ""),
            {"minutes": changes},
            client=client,
        )


def save_languages(session: Session, form: Mapping[str, str], actor: Actor, client: str) -> None:
    """Which calendar each language uses; raises ``SlaFormError``."""
    ensure_defaults(session)
    calendars = {str(c.id): c for c in session.scalars(select(SlaCalendar))}
    problems = Problems()
    wanted: dict[str, SlaCalendar] = {}
    for lang in LANGUAGES:
        chosen = form.get(f"calendar-{lang}", "")
        if chosen not in calendars:
            problems.add(f"calendar-{lang}", N_("Choose one of the calendars listed."))
        else:
            wanted[lang] = calendars[chosen]
    problems.raise_any()
    rows = {row.lang: row for row in session.scalars(select(SlaLanguage))}
    changes: dict[str, str] = {}
    for lang, calendar in wanted.items():
        row = rows.get(lang)
        if row is None:
            session.add(SlaLanguage(lang=lang, calendar_id=calendar.id))
            changes[lang] = calendar.key
        elif row.calendar_id != calendar.id:
            row.calendar_id = calendar.id
            changes[lang] = calendar.key
    if changes:
        record_audit(session, actor, "sla.languages", ("sla_languages", ""), changes, client=client)


def save_calendar(
    session: Session, calendar_id: int, form: Mapping[str, str], actor: Actor, client: str
) -> bool:
    """Time zone, country, opening hours and eves of one calendar; False when there is none."""
    row = session.get(SlaCalendar, calendar_id)
    if row is None:
        return False
    problems = Problems()
    zone = parse_time_zone(problems, "time_zone", form.get("time_zone", ""))
    country = parse_country(problems, "country", form.get("country", ""))
    days = [
        parse_day(
            problems,
            f"day-{weekday}",
            weekday,
            form.get(f"day-{weekday}-opens", ""),
            form.get(f"day-{weekday}-closes", ""),
            bool(form.get(f"day-{weekday}-closed")),
        )
        for weekday in WEEKDAYS
    ]
    if all(form.get(f"day-{weekday}-closed") for weekday in WEEKDAYS):
        problems.add("day-0-opens", N_("The calendar must be open on at least one day a week."))
    eves = parse_eves(problems, EVES, form)
    problems.raise_any()
    hours = [
        [time_form_value(d.opens), time_form_value(d.closes)] if d.is_open else None for d in days
    ]
    stored_eves = {name: time_form_value(v) if v else None for name, v in sorted(eves.items())}
    before = _calendar_facts(row)
    row.tz, row.country, row.hours, row.eves = zone, country, hours, stored_eves
    after = _calendar_facts(row)
    if before != after:
        changed = {k: after[k] for k in after if after[k] != before[k]}
        record_audit(session, actor, "sla.calendar", row, changed, client=client)
    return True


def _calendar_facts(row: SlaCalendar) -> dict[str, object]:
    return {
        "tz": row.tz,
        "country": row.country,
        "hours": list(row.hours or []),
        "eves": dict(row.eves or {}),
    }


def add_closed_day(
    session: Session, calendar_id: int, form: Mapping[str, str], actor: Actor, client: str
) -> bool:
    """An extra closed day (fields ``closed_date``, ``closed_label``); raises ``SlaFormError``."""
    row = session.get(SlaCalendar, calendar_id)
    if row is None:
        return False
    problems = Problems()
    day = parse_date(problems, "closed_date", form.get("closed_date", ""))
    label = parse_label(problems, "closed_label", form.get("closed_label", ""))
    if day is not None and day.isoformat() in (row.closed_days or []):
        problems.add("closed_date", N_("That day is already an extra closed day."))
    problems.raise_any()
    assert day is not None
    row.closed_days = sorted([*(row.closed_days or []), day.isoformat()])
    labels = dict(row.closed_day_labels or {})
    if label:
        labels[day.isoformat()] = label
    row.closed_day_labels = labels
    details = {"date": day.isoformat(), "label": label}
    record_audit(session, actor, "sla.closed_day.add", row, details, client=client)
    return True


def remove_closed_day(
    session: Session, calendar_id: int, form: Mapping[str, str], actor: Actor, client: str
) -> bool:
    """Open an extra closed day again (field ``date``); a day not on the list changes nothing."""
    row = session.get(SlaCalendar, calendar_id)
    if row is None:
        return False
    day = (form.get("date") or "").strip()
    if day in (row.closed_days or []):
        row.closed_days = [d for d in row.closed_days if d != day]
        labels = dict(row.closed_day_labels or {})
        label = labels.pop(day, "")
        row.closed_day_labels = labels
        details = {"date": day, "label": label}
        record_audit(session, actor, "sla.closed_day.remove", row, details, client=client)
    return True


def settings_changed() -> None:
    """After a change has committed: promises from now on use it (this process at once)."""
    invalidate()


def load_sla_fresh(session: Session) -> SlaConfig:
    """The configuration as stored right now, not as cached."""
    invalidate()
    return load_sla(session)


def _hours_per_day(config: SlaConfig) -> float:
    """Hours in a "working day" on the targets form: the calendar English complaints use."""
    return config.calendar_for("en").working_day_length().total_seconds() / 3600
