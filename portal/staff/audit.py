"""The audit log: every staff action that changes data leaves a row saying who, what and when.

``record_audit`` only adds to the caller's session, so the entry commits (or rolls back) together
with the change it describes. Any staff feature calls it the same way::

    record_audit(session, staff, "case.reply", case, {"event_id": event.id}, client=ip)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.staff.models import AuditEntry


class Actor(Protocol):
    """Anyone who acts: a ``StaffUser`` or the signed-in ``StaffIdentity`` of a request."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...


# A target is a model instance (its table name and id are used) or an explicit (type, id) pair.
Target = tuple[str, object] | object | None


def _target(target: Target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        kind, ident = target
        return str(kind), "" if ident is None else str(ident)
    kind = getattr(target, "__tablename__", type(target).__name__)
    return str(kind), str(getattr(target, "id", ""))


def record_audit(
    session: Session,
    actor: Actor | None,
    action: str,
    target: Target = None,
    details: dict[str, Any] | None = None,
    *,
    client: str = "",
    at: datetime | None = None,
) -> AuditEntry:
    """Add an audit entry; ``actor`` None: no one signed in (the command line, a sign-in try)."""
    target_type, target_id = _target(target)
    entry = AuditEntry(
        at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=dict(details or {}),
        client_addr=client[:64],
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    # The id to pass as ``before`` for the next (older) page, or None on the last page.
    older: int | None


def audit_entries(
    session: Session,
    *,
    before: int | None = None,
    action: str = "",
    target: tuple[str, str] | None = None,
    limit: int = 50,
) -> AuditPage:
    """Newest first, ``limit`` at a time; filter by action prefix ("user.") or target."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit + 1)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if target is not None:
        query = query.where(
            AuditEntry.target_type == target[0], AuditEntry.target_id == str(target[1])
        )
    rows = list(session.scalars(query))
    older = rows[limit - 1].id if len(rows) > limit else None
    return AuditPage(entries=rows[:limit], older=older)
