"""The time zones staff can choose for their own figures (the insights page's days and weeks).

A short list rather than every zone in the database: the places a Nordic help centre's staff
work from, plus UTC. The names shown come from the CLDR through Babel, in the reader's
language ("Sverigetid", "tidssone for Norge"), followed by the zone's identifier.
"""

from __future__ import annotations

from babel.dates import get_timezone_location

from portal.i18n import N_, gettext

DEFAULT_TIME_ZONE = "Europe/Stockholm"
TIME_ZONES: tuple[str, ...] = (
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Berlin",
    "Europe/London",
    "Atlantic/Reykjavik",
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)
UTC_LABEL = N_("Coordinated Universal Time")


def zone_label(name: str, lang: str) -> str:
    """What the choice is called in ``lang``, e.g. "Sweden Time (Europe/Stockholm)"."""
    place = gettext(lang, UTC_LABEL) if name == "UTC" else get_timezone_location(name, locale=lang)
    return f"{place[:1].upper()}{place[1:]} ({name})"


def zone_choices(lang: str) -> list[tuple[str, str]]:
    """(value, label) for each zone offered, in the list's order."""
    return [(name, zone_label(name, lang)) for name in TIME_ZONES]
