"""What the response-time pages show: the settings as form values, the next closed days of each
calendar and the promise a complaint sent now would get, in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import holidays
from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.desk import PRIORITY_LABELS
from portal.cases.labels import CATEGORY_LABELS
from portal.i18n import LANGUAGE_NAMES, LANGUAGES, N_, babel_locale, format_clock, gettext
from portal.sla.admin import (
    WEEKDAYS,
    countries,
    eve_form_values,
    target_field,
    target_form_value,
    time_zones,
)
from portal.sla.calendars import EVES, BusinessCalendar, eve_dates
from portal.sla.models import SlaCalendar, SlaLanguage, SlaPolicy
from portal.sla.policies import (
    CATEGORIES,
    DEFAULT_CALENDARS,
    PRIORITIES,
    calendar_from_row,
    ensure_defaults,
    load_sla,
)
from portal.sla.promise import make_promise
from portal.sla.words import describe

UPCOMING = 10
LOOK_AHEAD_DAYS = 400
EVE_NAMES = {
    "maundy_wednesday": N_("The Wednesday before Maundy Thursday"),
    "midsummer_eve": N_("Midsummer Eve"),
    "christmas_eve": N_("Christmas Eve"),
    "new_years_eve": N_("New Year's Eve"),
}
# Which of the ``holidays`` package's translations names a country's holidays on a page, best
# first. Swedish, Norwegian and Danish readers read one another's languages, and a holiday's own
# name is what the office that keeps it calls it: on a Swedish page Norway's holidays are
# "Langfredag" and "Grunnlovsdag" rather than English, and on a Norwegian page Sweden's are
# "Långfredagen". Finnish is not read across the Nordics, so Finland's holidays come in
# Finland-Swedish (``sv_FI``) on both Scandinavian pages. Anything else falls back to English, the
# country's own English first, then British as the portal's English is.
HOLIDAY_LANGUAGES = {
    "en": (),
    "sv": ("sv", "sv_FI", "no", "da"),
    "nb": ("no", "da", "sv", "sv_FI"),
}


@dataclass(frozen=True)
class ClosedDay:
    date: date
    date_text: str
    label: str
    hours: str = ""  # "open 08:00–12:00" on a shortened eve; empty when closed all day


def _weekday_names(lang: str) -> list[str]:
    names = babel_locale(lang).days["format"]["wide"]
    return [names[i].capitalize() for i in WEEKDAYS]


def holiday_language(country: str, lang: str) -> str | None:
    """The ``holidays`` translation to name ``country``'s holidays in on a ``lang`` page.

    Always an explicit choice: left to itself the package picks the server's locale.
    """
    entity = holidays.country_holidays(country)
    supported = entity.supported_languages
    wanted = (*HOLIDAY_LANGUAGES.get(lang, ()), f"en_{country}", "en_GB", "en_US")
    return next((code for code in wanted if code in supported), entity.default_language)


def _holiday_names(country: str | None, years: range, lang: str) -> dict[date, str]:
    if not country:
        return {}
    try:
        language = holiday_language(country, lang)
    except NotImplementedError:
        return {}
    found = holidays.country_holidays(country, years=list(years), language=language)
    return dict(found.items())


def upcoming_closed_days(
    row: SlaCalendar, calendar: BusinessCalendar, lang: str, today: date, count: int = UPCOMING
) -> list[ClosedDay]:
    """The next days the desk is closed or closes early although the weekday is usually open."""
    years = range(today.year, today.year + 3)
    names = _holiday_names(calendar.country, years, lang)
    eves = {day: name for year in years for name, day in eve_dates(year).items()}
    labels = dict(row.closed_day_labels or {})
    extra = set(calendar.closed_days)
    found: list[ClosedDay] = []
    day = today
    plans = {year: calendar.special_days(year) for year in years}
    while len(found) < count and day < today + timedelta(days=LOOK_AHEAD_DAYS):
        usual = calendar.hours[day.weekday()]
        actual = plans[day.year].get(day, usual)
        if usual is not None and actual != usual:
            if day in extra:
                label = labels.get(day.isoformat()) or gettext(lang, "Extra closed day")
            elif day in eves and eves[day] in dict(calendar.eves):
                label = gettext(lang, EVE_NAMES[eves[day]])
            else:
                label = names.get(day, gettext(lang, "Public holiday"))
            hours = ""
            if actual is not None:
                hours = gettext(
                    lang,
                    "open %(opens)s–%(closes)s",
                    opens=format_clock(actual[0], lang),
                    closes=format_clock(actual[1], lang),
                )
            found.append(ClosedDay(day, _full_date(day, lang), label, hours))
        day += timedelta(days=1)
    return found


def _full_date(day: date, lang: str) -> str:
    return format_date(day, "full", locale=babel_locale(lang))


def _country_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    name = babel_locale(lang).territories.get(code)
    return f"{name} ({code})" if name else code


def calendar_name(row: SlaCalendar, lang: str) -> str:
    """A calendar's name; the seeded ones ("Sweden", "Norway") in the reader's language."""
    if row.name and row.name != DEFAULT_CALENDARS.get(row.key):
        return row.name
    return babel_locale(lang).territories.get(row.key) or row.name or row.key


def _hours_text(span: Any, lang: str) -> str:
    if span is None:
        # Not plain "Closed": that is a closed case ("Avslutat"), not a closed office ("Stängt").
        return gettext(lang, "Closed all day")
    return f"{format_clock(span[0], lang)}–{format_clock(span[1], lang)}"


def _eves_text(calendar: BusinessCalendar, lang: str) -> str:
    rules = dict(calendar.eves)
    parts = []
    for name in EVES:
        if name not in rules:
            continue
        closes = rules[name]
        if closes is None:
            how = gettext(lang, "closed")
        else:
            how = gettext(lang, "closes at %(time)s", time=format_clock(closes, lang))
        parts.append(f"{gettext(lang, EVE_NAMES[name])}: {how}")
    return "; ".join(parts) or gettext(lang, "Ordinary days")


def _calendars(session: Session) -> list[SlaCalendar]:
    return list(session.scalars(select(SlaCalendar).order_by(SlaCalendar.id)))


def _today(calendar: BusinessCalendar, now: datetime) -> date:
    return now.astimezone(calendar.tz).date()


def overview(session: Session, lang: str, now: datetime) -> dict[str, Any]:
    """Everything on ``/staff/response-times``; seeds the defaults on first use."""
    if ensure_defaults(session):
        session.flush()
    config = load_sla(session)
    rows = _calendars(session)
    built = {row.id: calendar_from_row(row) for row in rows}
    weekday_names = _weekday_names(lang)
    calendars = []
    for row in rows:
        calendar = built[row.id]
        calendars.append(
            {
                "id": row.id,
                "name": calendar_name(row, lang),
                "time_zone": row.tz,
                "country_name": _country_name(row.country, lang),
                "hours": [
                    {"name": weekday_names[i], "text": _hours_text(calendar.hours[i], lang)}
                    for i in WEEKDAYS
                ],
                "eves": _eves_text(calendar, lang),
                "upcoming": upcoming_closed_days(row, calendar, lang, _today(calendar, now)),
            }
        )
    by_id = {row.id: row for row in rows}
    assigned = {row.lang: row.calendar_id for row in session.scalars(select(SlaLanguage))}
    languages = [
        {
            "lang": code,
            "name": LANGUAGE_NAMES[code],
            "calendar_id": assigned.get(code),
            "calendar_name": calendar_name(by_id[assigned[code]], lang)
            if assigned.get(code) in by_id
            else "",
        }
        for code in LANGUAGES
    ]
    day_hours = config.calendar_for("en").working_day_length() / timedelta(hours=1)
    policies = {(p.category, p.priority): p for p in session.scalars(select(SlaPolicy))}
    category_labels = CATEGORY_LABELS
    values: dict[str, str] = {}
    policy_rows = []
    for category in CATEGORIES:
        for priority in PRIORITIES:
            found = config.policy_for(category, priority)
            row = policies.get((category, priority))
            first = (
                row.first_response_minutes if row else found.first_response // timedelta(minutes=1)
            )
            done = row.resolution_minutes if row else found.resolution // timedelta(minutes=1)
            shown = {}
            for kind, minutes in (("first", first), ("resolution", done)):
                name = target_field(kind, category, priority)
                amount, unit = target_form_value(minutes, day_hours)
                values[name], values[f"{name}-unit"] = amount, unit
                shown[kind] = _target_text(lang, amount, unit)
            policy_rows.append(
                {
                    "key": f"{category}-{priority}",
                    "category_label": gettext(lang, category_labels.get(category, category)),
                    "priority_label": gettext(lang, PRIORITY_LABELS.get(priority, priority)),
                    **shown,
                }
            )
    previews = []
    for code in LANGUAGES:
        calendar = config.calendar_for(code)
        row = next((r for r in rows if r.key == calendar.key), None)
        previews.append(
            {
                "language": LANGUAGE_NAMES[code],
                "calendar": calendar_name(row, lang) if row else calendar.key,
            }
        )
    preview_rows = [
        {
            "label": gettext(lang, category_labels.get(category, category)),
            "sentences": [
                describe(
                    make_promise(session, category=category, lang=code, at=now, config=config),
                    lang,
                ).sentence
                for code in LANGUAGES
            ],
        }
        for category in CATEGORIES
    ]
    field_ids = [*values, *(f"calendar-{code}" for code in LANGUAGES)]
    return {
        "calendars": calendars,
        "languages": languages,
        "policies": policy_rows,
        "values": values,
        "field_ids": field_ids,
        "previews": previews,
        "preview_rows": preview_rows,
        "day_hours": f"{day_hours:g}",
    }


def _target_text(lang: str, amount: str, unit: str) -> str:
    if unit == "days":
        return gettext(lang, "%(amount)s working days", amount=amount)
    return gettext(lang, "%(amount)s working hours", amount=amount)


def calendar_page(
    session: Session, calendar_id: int, lang: str, now: datetime
) -> dict[str, Any] | None:
    """Everything on one calendar's page, or None when there is no such calendar."""
    row = session.get(SlaCalendar, calendar_id)
    if row is None:
        return None
    calendar = calendar_from_row(row)
    labels = dict(row.closed_day_labels or {})
    values: dict[str, str] = {"time_zone": row.tz, "country": row.country or ""}
    for weekday in WEEKDAYS:
        span = calendar.hours[weekday]
        prefix = f"day-{weekday}"
        values[f"{prefix}-opens"] = span[0].strftime("%H:%M") if span else ""
        values[f"{prefix}-closes"] = span[1].strftime("%H:%M") if span else ""
        values[f"{prefix}-closed"] = "" if span else "1"
    values.update(eve_form_values(EVES, dict(calendar.eves)))
    users = [
        LANGUAGE_NAMES[code]
        for code, calendar_id_used in session.execute(
            select(SlaLanguage.lang, SlaLanguage.calendar_id)
        )
        if calendar_id_used == row.id and code in LANGUAGE_NAMES
    ]
    extra_days = [
        ClosedDay(d, _full_date(d, lang), labels.get(d.isoformat(), ""))
        for d in sorted(calendar.closed_days)
    ]
    weekday_names = _weekday_names(lang)
    return {
        "calendar": {
            "id": row.id,
            "name": calendar_name(row, lang),
            "languages": ", ".join(sorted(users)),
            "extra_days": extra_days,
            "upcoming": upcoming_closed_days(row, calendar, lang, _today(calendar, now)),
        },
        "values": values,
        "weekdays": [{"number": i, "name": weekday_names[i]} for i in WEEKDAYS],
        "eves": [{"key": name, "name": gettext(lang, EVE_NAMES[name])} for name in EVES],
        "time_zones": time_zones(),
        "countries": [(code, _country_name(code, lang)) for code in countries()],
        "field_ids": [
            "time_zone",
            "country",
            *(f"day-{i}-{part}" for i in WEEKDAYS for part in ("opens", "closes")),
            *(f"eve-{name}-closes" for name in EVES),
            "closed_date",
            "closed_label",
        ],
    }
