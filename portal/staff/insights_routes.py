"""The insights page and its CSV downloads.

Admins and agents see everything; editors see the knowledge-base part (self-service). Routes
read the GET form (``portal.insights.choice``), load the report in one read and render it; the
page and the downloads use the same tables (``portal.insights.tables``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy.exc import IntegrityError, OperationalError

from portal.cases.desk import STATUS_LABELS
from portal.cases.models import CHANNELS
from portal.i18n import LANGUAGE_NAMES, N_, gettext
from portal.insights import cells
from portal.insights.choice import CATEGORIES, CUSTOM, Choice, read_choice
from portal.insights.period import PERIOD_CHOICES, Period
from portal.insights.report import Report, build_report, case_lines, prepare
from portal.insights.summary import build_summary
from portal.insights.svg import bar_chart, line_chart
from portal.insights.tables import (
    CASE_TABLES,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    TABLES,
    Table,
    build_tables,
    category_label,
    language_label,
)
from portal.services import Services
from portal.staff.guards import (
    StaffForbidden,
    current_staff,
    requires_role,
    staff_lang,
    staff_template,
)
from portal.staff.models import ADMIN, AGENT, EDITOR
from portal.staff.time_zones import DEFAULT_TIME_ZONE, TIME_ZONES, zone_label

log = logging.getLogger(__name__)
requires_insights = requires_role(ADMIN, AGENT, EDITOR)
CASES_EXPORT = "cases"
VOLUME_BY_DAY = N_(
    "Complaints per day and category from %(first)s to %(last)s; the table below has the same "
    "numbers."
)
VOLUME_BY_WEEK = N_(
    "Complaints per week and category, weeks starting %(first)s to %(last)s; the table below "
    "has the same numbers."
)
CASE_HEADERS = [
    N_("Reference"),
    N_("Created"),
    N_("Category"),
    N_("Language"),
    N_("Channel"),
    N_("Status"),
    N_("Response promised by"),
    N_("First response"),
    N_("Resolved"),
    N_("Working hours to first response"),
    N_("Working hours to resolution"),
    N_("Promise kept"),
    N_("Times reopened"),
    N_("Rating"),
]


def viewer_zone(request: Request[Any, Any, Any]) -> ZoneInfo:
    """The time zone the viewer chose on their account page: days, weeks and the period's
    bounds are counted in it (Stockholm for a value no longer offered)."""
    chosen = current_staff(request).time_zone
    return ZoneInfo(chosen if chosen in TIME_ZONES else DEFAULT_TIME_ZONE)


def sees_cases(request: Request[Any, Any, Any]) -> bool:
    return current_staff(request).has_role(ADMIN, AGENT)


def _choice(request: Request[Any, Any, Any], services: Services) -> Choice:
    tz = viewer_zone(request)
    today = services.clock().astimezone(tz).date()
    params = {k: v for k, v in request.query_params.items() if isinstance(v, str)}
    return read_choice(params, today=today, tz=tz)


async def _report(services: Services, choice: Choice, period: Period, cases: bool) -> Report:
    now = services.clock()
    await services.run(_prepare, services, period, cases)

    def load() -> Report:
        with services.read() as session:
            return build_report(session, period, choice.filters, now=now, cases=cases)

    return await services.run(load)


def _prepare(services: Services, period: Period, cases: bool = True) -> None:
    """Measure and summarise before reading; when another request is doing the same at this
    moment, its work serves this one too (the figures are read after it commits). A zone viewed
    for the first time is built a few days per transaction first, so intake is not held up."""
    try:
        if cases:
            build_summary(services.sessions, period.tz)
        with services.write() as session:
            prepare(session, period, now=services.clock(), cases=cases)
    except (IntegrityError, OperationalError):
        log.info("insights summary refreshed by a concurrent request", exc_info=True)


def _charts(report: Report, tables: dict[str, Table], lang: str) -> dict[str, Any]:
    """The SVG charts, drawn from the same tables the page shows beside them."""
    charts: dict[str, Any] = {}
    if report.volume is not None:
        volume = tables["volume"]
        labels = [cells.display(row[0], "date", lang) for row in volume.rows]
        series = [
            (column.header, [row[i] for row in volume.rows])
            for i, column in enumerate(volume.columns[1:-1], start=1)
        ]
        charts["volume"] = line_chart(
            volume.title,
            gettext(
                lang,
                VOLUME_BY_WEEK if report.volume.by_week else VOLUME_BY_DAY,
                first=labels[0] if labels else "",
                last=labels[-1] if labels else "",
            ),
            labels,
            series,
        )
    if "kept-week" in tables:
        weeks = tables["kept-week"]
        charts["kept-week"] = bar_chart(
            weeks.title,
            gettext(
                lang,
                "Share of promises kept per week; weeks without a due promise have no bar. "
                "The table below has the same numbers.",
            ),
            [cells.display(row[0], "date", lang) for row in weeks.rows],
            [row[3] for row in weeks.rows],
            percent=True,
        )
    if "ratings" in tables:
        ratings = tables["ratings"]
        charts["ratings"] = bar_chart(
            ratings.title,
            gettext(lang, "How many customers gave each rating from 5 to 1 in this period."),
            [row[0] for row in ratings.rows],
            [row[1] for row in ratings.rows],
        )
    return charts


def _export_url(choice: Choice, table: str) -> str:
    kept = {k: v for k, v in choice.values.items() if v}
    return "/staff/insights/export?" + urlencode({**kept, "table": table})


@get("/staff/insights", guards=[requires_insights], include_in_schema=False)
async def insights_page(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    lang = staff_lang(request)
    choice = _choice(request, services)
    cases = sees_cases(request)
    context: dict[str, Any] = {
        "choice": choice,
        "values": choice.values,
        "errors": {k: gettext(lang, v) for k, v in choice.errors.items()},
        "periods": PERIOD_CHOICES,
        "custom": CUSTOM,
        "sees_cases": cases,
        "categories": [(c, gettext(lang, CATEGORY_LABELS[c])) for c in CATEGORIES],
        "languages": LANGUAGE_NAMES,
        "channels": [(c, gettext(lang, CHANNEL_LABELS[c])) for c in CHANNELS],
        "report": None,
    }
    if choice.period is None:
        return staff_template(
            request, "staff/insights.html", context, active="insights", status_code=400
        )
    report = await _report(services, choice, choice.period, cases)
    tables = build_tables(report, lang)
    context.update(
        report=report,
        period=choice.period,
        previous=choice.period.previous(),
        tables=tables,
        charts=_charts(report, tables, lang),
        cell=lambda value, kind: cells.display(value, kind, lang),
        export_url=lambda table: _export_url(choice, table),
        category_label=lambda value: category_label(lang, value),
        zone_name=zone_label(choice.period.tz.key, lang),
    )
    return staff_template(request, "staff/insights.html", context, active="insights")


def _filename(name: str, period: Period) -> str:
    return f"svar-{name}-{period.first.isoformat()}-{period.last.isoformat()}.csv"


def _csv(body: bytes, filename: str) -> Response[bytes]:
    return Response(
        body,
        media_type="text/csv",
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "x-content-type-options": "nosniff",
        },
    )


@get("/staff/insights/export", guards=[requires_insights], include_in_schema=False)
async def insights_export(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    table: FromQuery[str] = CASES_EXPORT,
) -> Response[Any]:
    """A table of the page, or the filtered case list, as CSV (editors: self-service only)."""
    lang = staff_lang(request)
    cases = sees_cases(request)
    if table not in TABLES and table != CASES_EXPORT:
        table = CASES_EXPORT
    if not cases and (table == CASES_EXPORT or table in CASE_TABLES):
        raise StaffForbidden()
    choice = _choice(request, services)
    if choice.period is None:
        message = "\n".join(gettext(lang, m) for m in choice.errors.values())
        return Response(message, media_type="text/plain; charset=utf-8", status_code=400)
    period = choice.period
    if table == CASES_EXPORT:
        return _csv(await _case_list(services, choice, period, lang), _filename(table, period))
    report = await _report(services, choice, period, cases)
    return _csv(cells.table_csv(build_tables(report, lang)[table]), _filename(table, period))


async def _case_list(services: Services, choice: Choice, period: Period, lang: str) -> bytes:
    await services.run(_prepare, services, period)

    def labels(kind: str, value: Any) -> str:
        if kind == "category":
            return category_label(lang, value)
        if kind == "lang":
            return language_label(lang, value)
        if kind == "channel":
            return gettext(lang, CHANNEL_LABELS.get(value, value))
        if kind == "status":
            return gettext(lang, STATUS_LABELS.get(value, value))
        return gettext(lang, "Yes") if value else gettext(lang, "No")

    def load() -> bytes:
        with services.read() as session:
            return cells.cases_csv(
                case_lines(session, period, choice.filters),
                [gettext(lang, h) for h in CASE_HEADERS],
                labels,
                period.tz,
            )

    return await services.run(load)


route_handlers = [insights_page, insights_export]
