"""Languages, locale negotiation and Babel message catalogs.

Catalogs are the ``.po`` files under ``portal/i18n/locales``; they are compiled in memory at
start-up, so a fresh clone needs no build step and can never serve a stale ``.mo``.
"""

from __future__ import annotations

import io
from datetime import datetime, time
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: tuple[str, ...] = ("en", "sv", "nb")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "sv": "Svenska", "nb": "Norsk (bokmål)"}
LOCALES_DIR = Path(__file__).parent / "locales"
BABEL_LOCALES = {"en": "en_GB", "sv": "sv_SE", "nb": "nb_NO"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of ``lang`` (English is the source language)."""
    po_path = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext(lang: str, message: str, **variables: object) -> str:
    text = translations(lang).ugettext(message)
    return text % variables if variables else text


def ngettext(lang: str, singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(lang).ungettext(singular, plural, n)
    return text % {"num": n, **variables}


def negotiate(accept_language: str | None) -> str:
    """Pick the best supported language from an ``Accept-Language`` header."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    preferred = []
    for part in accept_language.split(","):
        piece = part.split(";")[0].strip()
        q = 1.0
        if ";q=" in part:
            try:
                q = float(part.split(";q=")[1])
            except ValueError:
                q = 0.0
        if piece and q > 0:
            preferred.append((q, piece.replace("_", "-")))
    preferred.sort(key=lambda item: -item[0])
    # Norwegian is often sent as "no" or "nn"; Bokmål is what we serve to both.
    wanted = []
    for _q, tag in preferred:
        base = tag.split("-")[0].lower()
        wanted.append("nb" if base in ("no", "nn", "nb") else tag)
    found = negotiate_locale(wanted, list(LANGUAGES), sep="-")
    return found or DEFAULT_LANGUAGE


@cache
def babel_locale(lang: str) -> Locale:
    """The Babel locale that writes dates and times for ``lang``.

    English is written the British way (day before month, 24-hour clock), like the Nordic
    languages beside it; Swedish and Norwegian are Babel's own (``17:00``, which Språkrådet
    accepts beside the older ``17.00``).
    """
    return Locale.parse(BABEL_LOCALES.get(lang, lang))


def format_clock(value: datetime | time, lang: str) -> str:
    """A time of day as ``lang`` writes it: Babel's short time format, the same everywhere."""
    moment = value.timetz() if isinstance(value, datetime) else value
    return format_time(moment, "short", locale=babel_locale(lang))
