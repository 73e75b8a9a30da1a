"""Tables of the insights summary (see ``insights.summary``): derived data, always rebuildable
from the cases. Every row is keyed by the time zone whose local days it counts (``tz``), so a
viewer in London reads London days; zones that keep the same clock share one zone's rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base


class DailyCases(Base):
    """Cases created on one local day with one category, language and channel (and, with
    channel ``""``, with any channel: the rows read when no channel is chosen)."""

    __tablename__ = "insights_daily_cases"

    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    kept: Mapped[int] = mapped_column(Integer, default=0)
    resolved_once: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    recovered: Mapped[int] = mapped_column(Integer, default=0)
    rated_1: Mapped[int] = mapped_column(Integer, default=0)
    rated_2: Mapped[int] = mapped_column(Integer, default=0)
    rated_3: Mapped[int] = mapped_column(Integer, default=0)
    rated_4: Mapped[int] = mapped_column(Integer, default=0)
    rated_5: Mapped[int] = mapped_column(Integer, default=0)


class DailyTimes(Base):
    """Working times of the cases created on one local day with one category, language and
    channel (``""`` for any language or any channel: rows rolled up for unfiltered pages),
    as counts per bucket (``insights.summary.BUCKETS``; 32-bit little-endian counters,
    see ``insights.histograms``), so the percentiles of any run of days are a sum of short
    arrays rather than a count over every case."""

    __tablename__ = "insights_daily_times"

    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_response: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    resolution: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class SummaryState(Base):
    """How far one zone's summary is: cases updated after ``counted_until`` are not in it yet;
    without ``counted_until`` the zone is not summarised (or only partly) and is not read."""

    __tablename__ = "insights_summary_state"

    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    counted_until: Mapped[datetime | None] = mapped_column(default=None)
    # A first build in progress (see ``insights.summary.build_summary``): the newest change when
    # it began, which becomes ``counted_until`` once every day through its day is counted, and
    # the last day counted so far (the build resumes after it).
    build_watermark: Mapped[datetime | None] = mapped_column(default=None)
    built_through: Mapped[date | None] = mapped_column(Date, default=None)
    # The last day whose searches and form sessions are in ``DailySelfService``.
    self_service_through: Mapped[date | None] = mapped_column(Date, default=None)


class DailySelfService(Base):
    """The help centre on one settled local day in one language (see ``insights.self_service``)."""

    __tablename__ = "insights_daily_self_service"

    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    searches: Mapped[int] = mapped_column(Integer, default=0)
    zero_results: Mapped[int] = mapped_column(Integer, default=0)
    opened: Mapped[int] = mapped_column(Integer, default=0)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    clicks: Mapped[int] = mapped_column(Integer, default=0)
    sessions_shown: Mapped[int] = mapped_column(Integer, default=0)
    deflected: Mapped[int] = mapped_column(Integer, default=0)
