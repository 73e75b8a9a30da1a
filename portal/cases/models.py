"""Tables of a complaint case: the case, its timeline, its attachments and its access links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, and_, or_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db.base import Base, utcnow

# How a complaint reached us: the web form, or entered by staff after an email or a call.
CHANNELS: tuple[str, ...] = ("web", "email", "phone")


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="new")
    lang: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    category: Mapped[str] = mapped_column(String(24), default="other")
    desired_outcome: Mapped[str] = mapped_column(String(24), default="")
    order_ref: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    promised_at: Mapped[datetime] = mapped_column()
    # The promise made at submission, kept when an honest late update moved ``promised_at``
    # (``sla.keeping``); None while it never moved. The promise-kept rate measures this one.
    original_promised_at: Mapped[datetime | None] = mapped_column(default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # The response-time engine (``portal.sla``): the calendar the promise was counted on, the
    # working time it promised, the resolution due time, and the paused clock while the case
    # waits on the customer (``paused_at`` while paused; ``paused_work_s`` in total).
    sla_calendar: Mapped[str] = mapped_column(String(16), default="")
    promised_work_s: Mapped[int | None] = mapped_column(default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    paused_work_s: Mapped[int] = mapped_column(default=0)
    # The agents' side (see ``cases.updates``): who works the case, how urgent it is, and whether
    # the customer wrote something no agent has answered yet.
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None
    )
    needs_attention: Mapped[bool] = mapped_column(default=False)
    # The customer's answer to "Is your problem solved?" after the latest resolution.
    feedback_at: Mapped[datetime | None] = mapped_column(default=None)
    satisfaction: Mapped[int | None] = mapped_column(default=None)
    satisfaction_comment: Mapped[str] = mapped_column(Text, default="")
    reopened_count: Mapped[int] = mapped_column(default=0)
    # A follow-up case opened when the customer said "not solved" too long after the resolution.
    parent_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), default=None
    )
    channel: Mapped[str] = mapped_column(String(16), default="web")
    # Working time to first response and to resolution, measured once from the business calendar
    # (see ``portal.insights.worktime``) so the insights page can aggregate it in SQL.
    first_response_work_s: Mapped[int | None] = mapped_column(default=None)
    resolution_work_s: Mapped[int | None] = mapped_column(default=None)
    # The ``resolved_at`` the resolution time was measured for; a later resolution re-measures.
    resolution_work_at: Mapped[datetime | None] = mapped_column(default=None)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan"
    )


class CaseEvent(Base):
    """One entry on a case's timeline; only ``public`` ones are shown to the customer."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    public: Mapped[bool] = mapped_column(default=True)
    author: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class Attachment(Base):
    """A file a customer sent; stored under the data folder, never in the web root."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_events.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="attachments")


class CaseAccess(Base):
    """A private status link: only a hash of its secret is kept (see ``cases.access``)."""

    __tablename__ = "case_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Not the secret: the token is HMAC(secret key, nonce), so a database copy alone opens nothing.
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Every complaint adds its row to each index below, so there is none that a query does not need,
# and an index that only matters for set or true values is partial: a new case (not answered yet,
# no parent case, nothing new from the customer) never enters it. Status is found through
# ``ix_cases_status_promised``; no query looks cases up by email (a status link is found by its
# reference) or filters by priority.
# Periods of cases by creation time (``insights``, the CSV download) and one category's cases (the
# queue's counts): ``ix_cases_insights`` and ``ix_cases_category_created`` start with the same
# columns, but they are wider, and PostgreSQL then reads a month or a category with a full scan.
Index("ix_cases_created_at", Case.created_at)
Index("ix_cases_category", Case.category)
# The agents' queue: open work by promised response time (see ``cases.queue``).
Index("ix_cases_status_promised", Case.status, Case.promised_at)
# The promise's throughput: first answers in the last week (see ``sla.promise.count_backlog``).
# ``x > ?`` and ``x = ?`` imply ``x IS NOT NULL``, so SQLite uses it for those ranges too.
_ANSWERED = Case.first_response_at.is_not(None)
Index(
    "ix_cases_first_response",
    Case.first_response_at,
    sqlite_where=_ANSWERED,
    postgresql_where=_ANSWERED,
)
# The queue's assignee filter and its counts per assignee, which include the unassigned (NULL)
# cases, so this one stays whole; and clearing a removed staff user's cases (ON DELETE SET NULL).
Index("ix_cases_assignee_id", Case.assignee_id)
# The queue's "new from the customer" filter. Its condition is written as each database sees the
# queue's ``Case.needs_attention.is_(True)``, or SQLite would not know the query implies it; as
# text, because the migration is generated on SQLite and would give PostgreSQL ``IS 1``.
Index(
    "ix_cases_needs_attention",
    Case.needs_attention,
    sqlite_where=text("needs_attention IS 1"),
    postgresql_where=text("needs_attention IS true"),
)
# Follow-up cases of a deleted case (ON DELETE SET NULL).
_FOLLOW_UP = Case.parent_case_id.is_not(None)
Index(
    "ix_cases_parent_case_id",
    Case.parent_case_id,
    sqlite_where=_FOLLOW_UP,
    postgresql_where=_FOLLOW_UP,
)
# The insights page: the working-time percentiles read this index alone, not the cases.
Index(
    "ix_cases_insights",
    Case.created_at,
    Case.category,
    Case.lang,
    Case.channel,
    Case.first_response_work_s,
    Case.resolution_work_s,
)
# The latest complaints of one category, for the words rising in them (``insights.terms``).
Index("ix_cases_category_created", Case.category, Case.created_at)
# What changed since the insights summary was last brought up to date (``insights.summary``).
Index("ix_cases_updated_at", Case.updated_at)
# Unanswered cases, whose promise may run out while no one looks (``insights.counts``).
Index(
    "ix_cases_unanswered",
    Case.created_at,
    sqlite_where=Case.first_response_at.is_(None),
    postgresql_where=Case.first_response_at.is_(None),
)
# Cases whose working times are still to be measured (``insights.worktime``): usually none.
UNMEASURED_RESPONSE = and_(
    Case.first_response_at.is_not(None), Case.first_response_work_s.is_(None)
)
UNMEASURED_RESOLUTION = or_(
    and_(
        Case.resolved_at.is_not(None),
        or_(Case.resolution_work_at.is_(None), Case.resolution_work_at != Case.resolved_at),
    ),
    and_(Case.resolved_at.is_(None), Case.resolution_work_s.is_not(None)),  # reopened since
)
Index(
    "ix_cases_unmeasured_response",
    Case.created_at,
    sqlite_where=UNMEASURED_RESPONSE,
    postgresql_where=UNMEASURED_RESPONSE,
)
Index(
    "ix_cases_unmeasured_resolution",
    Case.created_at,
    sqlite_where=UNMEASURED_RESOLUTION,
    postgresql_where=UNMEASURED_RESOLUTION,
)
