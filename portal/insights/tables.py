"""The report as tables: the page shows them beside the charts and the CSV export writes them,
so a number on screen and in the download is the same number.

Cells keep their raw values (counts, ratios 0–1, working seconds); each column says what kind
of value it holds, and the page and the CSV format it in their own way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.cases.labels import CATEGORY_LABELS
from portal.i18n import LANGUAGE_NAMES, N_, gettext
from portal.insights.report import Report
from portal.insights.speed import ALL

# Column kinds: how a value is shown.
TEXT, COUNT, PERCENT, HOURS, RATING, DATE = "text", "count", "percent", "hours", "rating", "date"
CHANGE_COUNT, CHANGE_PERCENT, CHANGE_RATING = "change_count", "change_percent", "change_rating"

CHANNEL_LABELS = {
    "web": N_("Web form"),
    "email": N_("Email"),
    "phone": N_("Phone"),
}
ALL_LABEL = N_("All")

# Name in the export address → title (the CSV file name is the name).
CASE_TABLES = {
    "volume": N_("Complaints over time by category"),
    "categories": N_("Top categories"),
    "terms": N_("Rising words and phrases"),
    "speed": N_("Working time to first response and to resolution"),
    "kept-category": N_("Promise kept by category"),
    "kept-week": N_("Promise kept by week"),
    "kept-language": N_("Promise kept by language"),
    "outcomes": N_("Outcomes"),
    "ratings": N_("Satisfaction ratings"),
}
KB_TABLES = {"self-service": N_("Self-service by language")}
TABLES = {**CASE_TABLES, **KB_TABLES}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]


def category_label(lang: str, value: str) -> str:
    if value == ALL:
        return gettext(lang, ALL_LABEL)
    return gettext(lang, CATEGORY_LABELS.get(value, value))


def language_label(lang: str, value: str) -> str:
    return LANGUAGE_NAMES.get(value, value) if value else gettext(lang, ALL_LABEL)


def _diff(current: Any, previous: Any) -> Any:
    if current is None or previous is None:
        return None
    return current - previous


def build_tables(report: Report, lang: str) -> dict[str, Table]:
    """Every table the viewer may see, by export name, with headers in ``lang``."""

    def t(message: str, **variables: object) -> str:
        return gettext(lang, message, **variables)

    def table(name: str, columns: list[Column], rows: list[list[Any]]) -> Table:
        return Table(name, t(TABLES[name]), columns, rows)

    tables: dict[str, Table] = {}
    before = t(N_("Previous period"))
    change = t(N_("Change"))
    if report.volume is not None:
        volume = report.volume
        tables["volume"] = table(
            "volume",
            [
                Column(t(N_("Week starting")) if volume.by_week else t(N_("Day")), DATE),
                *(Column(category_label(lang, c), COUNT) for c in volume.categories),
                Column(t(N_("Total")), COUNT),
            ],
            [[b.start, *(b.counts[c] for c in volume.categories), b.total] for b in volume.buckets],
        )
        tables["categories"] = table(
            "categories",
            [
                Column(t(N_("Category"))),
                Column(t(N_("Complaints")), COUNT),
                Column(before, COUNT),
                Column(change, CHANGE_COUNT),
            ],
            [
                [
                    category_label(lang, c.category),
                    c.cases.current,
                    c.cases.previous,
                    c.cases.change,
                ]
                for c in volume.top
            ],
        )
    if report.terms is not None:
        tables["terms"] = table(
            "terms",
            [
                Column(t(N_("Category"))),
                Column(t(N_("Word or phrase"))),
                Column(t(N_("Complaints mentioning it")), COUNT),
                Column(t(N_("Share of complaints")), PERCENT),
                Column(t(N_("Share in the previous period")), PERCENT),
            ],
            [
                [
                    category_label(lang, group.category),
                    r.term,
                    r.complaints,
                    r.share,
                    r.share_before,
                ]
                for group in report.terms
                for r in group.rising
            ],
        )
    if report.speed is not None:
        speed = report.speed
        tables["speed"] = table(
            "speed",
            [
                Column(t(N_("Category"))),
                Column(t(N_("First response: median")), HOURS),
                Column(t(N_("First response: 90th percentile")), HOURS),
                Column(t(N_("First response: median, previous period")), HOURS),
                Column(t(N_("First response: 90th percentile, previous period")), HOURS),
                Column(t(N_("Resolution: median")), HOURS),
                Column(t(N_("Resolution: 90th percentile")), HOURS),
                Column(t(N_("Resolution: median, previous period")), HOURS),
                Column(t(N_("Resolution: 90th percentile, previous period")), HOURS),
                Column(t(N_("Cases answered")), COUNT),
                Column(t(N_("Cases resolved")), COUNT),
            ],
            [
                [
                    category_label(lang, r.category),
                    r.first_response.median,
                    r.first_response.p90,
                    r.first_response_before.median,
                    r.first_response_before.p90,
                    r.resolution.median,
                    r.resolution.p90,
                    r.resolution_before.median,
                    r.resolution_before.p90,
                    r.first_response.cases,
                    r.resolution.cases,
                ]
                for r in speed.rows
            ],
        )
        kept_columns = [
            Column(t(N_("Promises kept")), COUNT),
            Column(t(N_("Promises due")), COUNT),
            Column(t(N_("Kept")), PERCENT),
            Column(t(N_("Kept in the previous period")), PERCENT),
            Column(change, CHANGE_PERCENT),
        ]

        def kept_row(label: str, rate: Any) -> list[Any]:
            r = rate.rate
            return [label, rate.kept, rate.due, r.current, r.previous, r.change]

        tables["kept-category"] = table(
            "kept-category",
            [Column(t(N_("Category"))), *kept_columns],
            [kept_row(category_label(lang, k.key), k) for k in speed.kept_by_category]
            + [kept_row(category_label(lang, ALL), speed.kept)],
        )
        tables["kept-language"] = table(
            "kept-language",
            [Column(t(N_("Language"))), *kept_columns],
            [kept_row(language_label(lang, k.key), k) for k in speed.kept_by_language],
        )
        tables["kept-week"] = table(
            "kept-week",
            [
                Column(t(N_("Week starting")), DATE),
                Column(t(N_("Promises kept")), COUNT),
                Column(t(N_("Promises due")), COUNT),
                Column(t(N_("Kept")), PERCENT),
            ],
            [[w.week, w.kept, w.due, w.rate] for w in speed.kept_by_week],
        )
    if report.outcomes is not None:
        o = report.outcomes
        figures = [
            (t(N_("Reopen rate")), PERCENT, o.reopen_rate),
            (t(N_("Satisfaction (average rating, 1–5)")), RATING, o.csat),
            (t(N_("Service recovery")), PERCENT, o.recovery_rate),
        ]
        tables["outcomes"] = table(
            "outcomes",
            [Column(t(N_("Figure"))), Column(t(N_("This period"))), Column(before), Column(change)],
            [
                [label, (kind, c.current), (kind, c.previous), (kind, c.change)]
                for label, kind, c in figures
            ],
        )
        tables["ratings"] = table(
            "ratings",
            [Column(t(N_("Rating"))), Column(t(N_("Answers")), COUNT), Column(before, COUNT)],
            [
                [str(r), o.current.ratings[r], o.previous.ratings[r]]
                for r in sorted(o.current.ratings, reverse=True)
            ],
        )
    tables["self-service"] = table(
        "self-service",
        [
            Column(t(N_("Language"))),
            Column(t(N_("Searches")), COUNT),
            Column(t(N_("Searches, previous period")), COUNT),
            Column(t(N_("Searches with no results")), COUNT),
            Column(t(N_("Share with no results")), PERCENT),
            Column(t(N_("Share with no results, previous period")), PERCENT),
            Column(t(N_("Click-through from search")), PERCENT),
            Column(t(N_("Click-through, previous period")), PERCENT),
            Column(t(N_("Suggestions shown")), COUNT),
            Column(t(N_("Suggestions opened")), COUNT),
            Column(t(N_("Deflection rate")), PERCENT),
            Column(t(N_("Deflection rate, previous period")), PERCENT),
        ],
        [
            [
                language_label(lang, r.lang),
                r.current.searches,
                r.previous.searches,
                r.current.zero_results,
                r.current.zero_rate,
                r.previous.zero_rate,
                r.current.click_through,
                r.previous.click_through,
                r.current.impressions,
                r.current.clicks,
                r.current.deflection_rate,
                r.previous.deflection_rate,
            ]
            for r in report.self_service
        ],
    )
    return tables
