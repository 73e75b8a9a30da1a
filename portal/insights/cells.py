"""How a table cell is written: formatted for people on the page, plain for spreadsheets.

CSV cells are neutralised against formula injection: a text that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading ``'``, so a spreadsheet shows it as text
instead of running it. Numbers the report computed are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from portal.i18n import babel_locale
from portal.insights import tables as kinds

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MISSING = "–"


def split(value: Any, kind: str) -> tuple[Any, str]:
    """A cell may carry its own kind as ``(kind, value)``."""
    if isinstance(value, tuple):
        return value[1], value[0]
    return value, kind


def hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


def display(value: Any, kind: str, lang: str) -> str:
    """The cell as the page shows it, in ``lang``."""
    value, kind = split(value, kind)
    if value is None:
        return MISSING
    if kind in (kinds.PERCENT, kinds.CHANGE_PERCENT):
        text = format_percent(value, "#,##0.0%", locale=lang)
        return _signed(text, value) if kind == kinds.CHANGE_PERCENT else text
    if kind == kinds.HOURS:
        return format_decimal(hours(value), "#,##0.0", locale=lang) + " h"
    if kind in (kinds.RATING, kinds.CHANGE_RATING):
        return format_decimal(value, "0.00", locale=lang)
    if kind == kinds.CHANGE_COUNT:
        return _signed(format_decimal(value, locale=lang), value)
    if kind == kinds.COUNT:
        return format_decimal(value, locale=lang)
    if kind == kinds.DATE and isinstance(value, date):
        return format_date(value, "medium", locale=babel_locale(lang))
    return str(value)


def _signed(text: str, value: float) -> str:
    return f"+{text}" if value > 0 else text


def plain(value: Any, kind: str) -> Any:
    """The cell as the CSV holds it: numbers as numbers (percent and hours with one decimal)."""
    value, kind = split(value, kind)
    if value is None:
        return ""
    if kind in (kinds.PERCENT, kinds.CHANGE_PERCENT):
        return round(value * 100, 1)
    if kind == kinds.HOURS:
        return hours(value)
    if kind in (kinds.RATING, kinds.CHANGE_RATING):
        return round(value, 2)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def safe(value: Any) -> Any:
    """A text cell a spreadsheet will not run as a formula."""
    if isinstance(value, bool) or not isinstance(value, str):
        return value
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read å, ä, ö), every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe(h) for h in header])
    for row in rows:
        writer.writerow([safe(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_csv(table: kinds.Table) -> bytes:
    return csv_bytes(
        [c.header for c in table.columns],
        ([plain(v, c.kind) for v, c in zip(row, table.columns, strict=True)] for row in table.rows),
    )


def cases_csv(lines: Iterable[Any], header: list[str], labels: Any, tz: Any) -> bytes:
    """The case list: one row per case, times in the viewer's time zone, texts translated by
    ``labels(kind, value)``."""

    def when(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    def kept(line: Any) -> str:
        if line.first_response_at is None:
            return ""
        return labels("kept", line.first_response_at <= line.promised_at)

    rows = (
        [
            line.reference,
            when(line.created_at),
            labels("category", line.category),
            labels("lang", line.lang),
            labels("channel", line.channel),
            labels("status", line.status),
            when(line.promised_at),
            when(line.first_response_at),
            when(line.resolved_at),
            plain(line.first_response_work_s, kinds.HOURS),
            plain(line.resolution_work_s, kinds.HOURS),
            kept(line),
            line.reopened_count,
            "" if line.satisfaction is None else line.satisfaction,
        ]
        for line in lines
    )
    return csv_bytes(header, rows)
