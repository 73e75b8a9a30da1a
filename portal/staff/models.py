"""Tables of the back office: staff accounts and their roles, signed-in sessions, the audit log.

Sessions live in the database (not in a cache) so that they survive a restart, are shared by every
instance without extra infrastructure, and "sign out everywhere" is one statement. The browser
holds a random token; only its SHA-256 is stored, so a copy of the database signs no one in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db.base import Base, utcnow
from portal.staff.time_zones import DEFAULT_TIME_ZONE

ADMIN, EDITOR, AGENT = "admin", "editor", "agent"
ROLES: tuple[str, ...] = (ADMIN, EDITOR, AGENT)

# A session is "second_factor" between a correct password and a correct one-time code; only a
# "full" session opens staff pages.
STAGE_FULL, STAGE_SECOND_FACTOR = "full", "second_factor"


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see ``accounts.normalise_email``), so uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The last 30-second step whose code was accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(default=None)
    # Raised by "sign out everywhere", deactivation and password resets; older sessions end.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    # Where the person reads figures from: the insights page counts days and weeks in this zone
    # (one of ``staff.time_zones.TIME_ZONES``).
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)

    role_rows: Mapped[list[StaffRole]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="StaffRole.role",
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    @property
    def name(self) -> str:
        """What the back office shows: the display name, else the address."""
        return self.display_name or self.email


class StaffRole(Base):
    """One role a person holds; a row per role so queries like "every agent" stay plain SQL."""

    __tablename__ = "staff_roles"
    __table_args__ = (CheckConstraint("role IN ('admin', 'editor', 'agent')", name="known_role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)

    user: Mapped[StaffUser] = relationship(back_populates="role_rows")


class StaffSession(Base):
    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16), default=STAGE_FULL)
    epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    client_addr: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[StaffUser] = relationship()


class AuditEntry(Base):
    """Who did what to which record, when, and from where; written in the same transaction."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), default=None, index=True
    )
    # The actor's address at the time, kept even if the account is later renamed.
    actor_email: Mapped[str] = mapped_column(String(320), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    client_addr: Mapped[str] = mapped_column(String(64), default="")


Index("ix_audit_log_target", AuditEntry.target_type, AuditEntry.target_id)
