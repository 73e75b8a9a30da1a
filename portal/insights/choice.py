"""What the viewer asked for: the period (last 7/30/90 days or a custom range) and the filters,
read from the page's GET form and checked, with a message per field when something is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from portal.cases.labels import CATEGORIES
from portal.cases.models import CHANNELS
from portal.i18n import LANGUAGES, N_
from portal.insights.period import MAX_DAYS, PERIOD_CHOICES, Filters, Period

CUSTOM = "custom"
DEFAULT_DAYS = "30"


@dataclass(frozen=True)
class Choice:
    """The form as typed (``values``), what it means (``period``, ``filters``), and ``errors``
    (field name → untranslated message); ``period`` is None when there are errors."""

    values: dict[str, str]
    filters: Filters
    period: Period | None
    errors: dict[str, str] = field(default_factory=dict)


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def read_choice(params: dict[str, str], *, today: date, tz: ZoneInfo) -> Choice:
    values = {
        "period": params.get("period", "") or DEFAULT_DAYS,
        "from": params.get("from", "")[:20],
        "to": params.get("to", "")[:20],
        "category": params.get("category", ""),
        "lang": params.get("lang", ""),
        "channel": params.get("channel", ""),
    }
    # A filter value that is not offered is read as "any", like an unknown address parameter.
    for name, allowed in (("category", CATEGORIES), ("lang", LANGUAGES), ("channel", CHANNELS)):
        if values[name] not in allowed:
            values[name] = ""
    filters = Filters(values["category"], values["lang"], values["channel"])
    if values["period"] != CUSTOM:
        days = int(values["period"]) if values["period"] in map(str, PERIOD_CHOICES) else 30
        values["period"] = str(days)
        return Choice(values, filters, Period.last_days(days, today, tz))
    errors: dict[str, str] = {}
    first, last = _date(values["from"]), _date(values["to"])
    if not values["from"].strip():
        errors["from"] = N_("Enter the first day of the period.")
    elif first is None:
        errors["from"] = N_("Enter the first day as a date like 2026-03-01.")
    if not values["to"].strip():
        errors["to"] = N_("Enter the last day of the period.")
    elif last is None:
        errors["to"] = N_("Enter the last day as a date like 2026-03-31.")
    if first and first > today:
        errors["from"] = N_("The first day cannot be in the future.")
    if first and last and not errors:
        if last < first:
            errors["to"] = N_("The last day must be on or after the first day.")
        elif (last - first).days + 1 > MAX_DAYS:
            errors["to"] = N_("Choose a period of at most 366 days.")
    if errors:
        return Choice(values, filters, None, errors)
    assert first is not None
    assert last is not None
    return Choice(values, filters, Period(first, min(last, today), tz))
