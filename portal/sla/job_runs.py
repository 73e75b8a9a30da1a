"""The record that a scheduled job was done for a case, written beside the email it queued.

One row per case, job and anchor (the promise instant, the resolution or the start of a wait). The
unique key is what makes the scheduler safe to run in several workers and after a restart: a
second round that reaches the same work fails to insert the row and rolls back its email with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db.base import Base, utcnow


class JobRun(Base):
    __tablename__ = "sla_job_runs"
    __table_args__ = (UniqueConstraint("case_id", "job", "anchor", name="once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    job: Mapped[str] = mapped_column(String(32))
    # The instant the job was for: a new promise or a new wait is new work.
    anchor: Mapped[datetime] = mapped_column()
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The email queued with it (None when nobody could be written to).
    outbox_id: Mapped[int | None] = mapped_column(default=None)
