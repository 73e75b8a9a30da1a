"""The Jinja2 environment: i18n, date formatting in the reader's language, static URLs."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from portal.i18n import LANGUAGE_NAMES, LANGUAGES, babel_locale, gettext, translations

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
DISPLAY_TZ = ZoneInfo("Europe/Stockholm")


def _lang(context: Any) -> str:
    return context.get("lang") or "en"


@pass_context
def _gettext(context: Any, message: str) -> str:
    return gettext(_lang(context), message)


@pass_context
def _ngettext(context: Any, singular: str, plural: str, n: int) -> str:
    # Jinja's new-style gettext fills in the placeholders itself (num and the rest).
    return translations(_lang(context)).ungettext(singular, plural, n)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _reader_zone(context: Any) -> ZoneInfo:
    """The page's ``viewer_time_zone`` (a staff member's own, in the back office), else Stockholm.

    An IANA name; not ``time_zone``, which mail templates use for the zone's label.
    """
    name = context.get("viewer_time_zone")
    return _zone(name) if name else DISPLAY_TZ


@pass_context
def _local_datetime(context: Any, value: datetime, fmt: str = "medium") -> str:
    local = value.astimezone(_reader_zone(context))
    return format_datetime(local, fmt, locale=babel_locale(_lang(context)))


@pass_context
def _local_date(context: Any, value: datetime, fmt: str = "long") -> str:
    local = value.astimezone(_reader_zone(context))
    return format_date(local.date(), fmt, locale=babel_locale(_lang(context)))


@cache
def static_url(path: str) -> str:
    """A cache-busting URL for a file in ``static/`` (content hash in the query string)."""
    file = STATIC_DIR / path
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.exists() else "0"
    return f"/static/{path}?v={digest}"


def language_path(path: str, lang: str) -> str:
    """The same page in another language: swap the first path segment."""
    parts = path.split("/")
    if len(parts) > 1 and parts[1] in LANGUAGES:
        parts[1] = lang
        return "/".join(parts)
    return f"/{lang}/"


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "xml"], default_for_string=False, default=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(gettext=_gettext, ngettext=_ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["local_datetime"] = _local_datetime
    env.filters["local_date"] = _local_date
    env.globals.update(
        static_url=static_url,
        language_path=language_path,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
    return env
