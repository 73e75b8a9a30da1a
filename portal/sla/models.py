"""Tables of the response-time engine: business calendars, which calendar a language uses, and
the targets per category and priority. Admins edit them; ``policies.load_sla`` reads them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db.base import Base, utcnow


class SlaCalendar(Base):
    """Opening hours in a time zone, a country's holidays, eve rules and extra closed days."""

    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)  # "SE"
    name: Mapped[str] = mapped_column(String(100), default="")
    tz: Mapped[str] = mapped_column(String(64))  # "Europe/Stockholm"
    # A country code of the ``holidays`` package (SE, NO, DK, FI, ...); None = no public holidays.
    country: Mapped[str | None] = mapped_column(String(8), default=None)
    # Seven entries, Monday first: ["08:00", "17:00"] or None for closed.
    hours: Mapped[list[list[str] | None]] = mapped_column(JSON)
    # Eve name (``calendars.EVES``) -> "HH:MM" closing time, or None for closed. A missing eve is
    # an ordinary day.
    eves: Mapped[dict[str, str | None]] = mapped_column(JSON, default=dict)
    # Extra closed days, ISO dates ("2026-12-28").
    closed_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What an extra closed day is for, shown to admins: ISO date -> label ("Staff day").
    closed_day_labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SlaLanguage(Base):
    """Which calendar counts the promise for cases in a language."""

    __tablename__ = "sla_languages"

    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("sla_calendars.id", ondelete="CASCADE"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    calendar: Mapped[SlaCalendar] = relationship()


class SlaPolicy(Base):
    """Targets for one category and priority, in working minutes of the case's calendar."""

    __tablename__ = "sla_policies"
    __table_args__ = (UniqueConstraint("category", "priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    first_response_minutes: Mapped[int] = mapped_column()
    resolution_minutes: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
