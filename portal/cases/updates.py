"""Everything that happens to a case after intake, for both the customer and the agents.

The status page and the agents' case desk call these same functions, so a change is always
written the same way. Each function works in the caller's transaction and never commits: it adds
the timeline event, changes the case, writes an audit entry when a staff member acts, and queues
the customer's email in the outbox. After the commit, call ``services.outbox_changed()``.

The agents' desk API (``staff`` is a ``StaffUser`` or the request's ``StaffIdentity``; ``client``
is the request's address for the audit log)::

    add_public_reply(session, case, staff, text, settings, now, attachments=(), status=None)
    add_internal_note(session, case, staff, text, now)
    change_status(session, case, staff, status, settings, now)        # STATUSES, not "new"
    assign(session, case, staff, assignee_id, now)                    # None: unassigned
    set_priority(session, case, staff, priority, now)                 # PRIORITIES
    set_category(session, case, staff, category, now)                 # intake.CATEGORIES
    mark_handled(session, case, staff, now)                           # clears needs_attention

"New from the customer" (``needs_attention``) is set when the customer adds information and is
cleared only by a public reply, by resolving, or by an agent marking it handled — never by merely
opening the case, so a case someone glanced at does not drop out of the queue's filter unanswered.

Bad input raises ``UpdateError`` (a ``FieldError`` list, English message ids); a status or
category outside the lists raises it too. The customer's side::

    add_customer_message(session, case, text, attachments, settings, now)
    answer_solved(session, case, Feedback(answer, rating, comment), settings, now) -> Case

Emails carry the status link as described in ``cases.case_steps``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from portal.cases.attachments import StagedFile, record_attachments
from portal.cases.case_steps import (
    AGENT_REPLY,
    ASSIGNED,
    ATTENTION_HANDLED,
    CATEGORY_CHANGED,
    INTERNAL_NOTE,
    PRIORITY_CHANGED,
    UpdateError,
    add_event,
    check_message,
    email_customer,
    first_access,
    set_status,
)
from portal.cases.customer_updates import (
    MAX_COMMENT,
    REOPEN_WINDOW,
    Feedback,
    add_customer_message,
    answer_solved,
    asks_feedback,
    can_write,
    check_feedback,
)
from portal.cases.intake import CATEGORIES, FieldError
from portal.cases.models import Case, CaseEvent
from portal.i18n import N_
from portal.settings import Settings
from portal.staff.audit import record_audit

__all__ = [
    "AGENT_STATUSES",
    "MAX_COMMENT",
    "PRIORITIES",
    "REOPEN_WINDOW",
    "STATUSES",
    "Feedback",
    "Staff",
    "UpdateError",
    "add_customer_message",
    "add_internal_note",
    "add_public_reply",
    "answer_solved",
    "asks_feedback",
    "assign",
    "can_write",
    "change_status",
    "check_feedback",
    "check_message",
    "first_access",
    "mark_handled",
    "set_category",
    "set_priority",
]

STATUSES = ("new", "open", "waiting", "resolved", "closed")
AGENT_STATUSES = ("open", "waiting", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")


class Staff(Protocol):
    """A ``StaffUser`` or a ``StaffIdentity``."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...


def add_public_reply(
    session: Session,
    case: Case,
    staff: Staff,
    text: str,
    settings: Settings,
    now: datetime,
    attachments: Sequence[StagedFile] = (),
    *,
    status: str | None = None,
    client: str = "",
) -> CaseEvent:
    """An agent's answer: on the status page and emailed to the customer in their language.

    The first public reply sets ``first_response_at`` (compared with ``promised_at``). A new case
    becomes "open"; ``status`` (e.g. "waiting") changes it in the same step without a status
    notice — except "resolved", which also sends "Is your problem solved?".
    """
    body = check_message(text, attachments=len(attachments))
    if status is not None:
        check_status(status)
    event = add_event(session, case, AGENT_REPLY, now, public=True, author=staff.name, body=body)
    record_attachments(session, case.id, event.id, attachments, now)
    event.data = {"staff_id": staff.id, "attachments": len(attachments)}
    if case.first_response_at is None:
        case.first_response_at = now
    case.needs_attention = False
    target = status or ("open" if case.status == "new" else None)
    moved = None
    if target and target != case.status:
        moved = set_status(session, case, target, now, author=staff.name, public=True)
    case.updated_at = now
    email_customer(session, case, "agent_reply", settings, event)
    if moved is not None and target == "resolved":
        # The reply says what was done; the question whether it helped follows in the thread.
        email_customer(session, case, "resolved_check_in", settings, moved)
    record_audit(session, staff, "case.reply", case, {"event_id": event.id}, client=client, at=now)
    return event


def add_internal_note(
    session: Session, case: Case, staff: Staff, text: str, now: datetime, *, client: str = ""
) -> CaseEvent:
    """A note for colleagues: never shown to the customer, never emailed."""
    body = check_message(text)
    event = add_event(session, case, INTERNAL_NOTE, now, public=False, author=staff.name, body=body)
    event.data = {"staff_id": staff.id}
    case.updated_at = now
    record_audit(session, staff, "case.note", case, {"event_id": event.id}, client=client, at=now)
    return event


def change_status(
    session: Session,
    case: Case,
    staff: Staff,
    status: str,
    settings: Settings,
    now: datetime,
    *,
    client: str = "",
) -> CaseEvent | None:
    """Move the case to ``status`` and tell the customer; None when it already had it.

    Resolving sets ``resolved_at`` and emails "Is your problem solved?"; other changes email a
    short status notice.
    """
    check_status(status)
    if status == case.status:
        return None
    before = case.status
    event = set_status(session, case, status, now, author=staff.name, public=True)
    case.updated_at = now
    email_customer(session, case, "resolved_check_in" if status == "resolved" else "status_changed",
           settings, event)  # fmt: skip
    record_audit(
        session,
        staff,
        "case.status",
        case,
        {"from": before, "to": status},
        client=client,
        at=now,
    )
    return event


def assign(
    session: Session,
    case: Case,
    staff: Staff,
    assignee_id: int | None,
    now: datetime,
    *,
    client: str = "",
) -> CaseEvent | None:
    """Give the case to an agent (``None``: to nobody); an internal timeline entry."""
    if assignee_id == case.assignee_id:
        return None
    before = case.assignee_id
    case.assignee_id = assignee_id
    case.updated_at = now
    event = add_event(
        session,
        case,
        ASSIGNED,
        now,
        public=False,
        author=staff.name,
        data={"from": before, "to": assignee_id},
    )
    record_audit(
        session, staff, "case.assign", case, {"from": before, "to": assignee_id},
        client=client, at=now,
    )  # fmt: skip
    return event


def set_priority(
    session: Session, case: Case, staff: Staff, priority: str, now: datetime, *, client: str = ""
) -> CaseEvent | None:
    if priority not in PRIORITIES:
        raise UpdateError([FieldError("priority", N_("Choose one of the priorities listed."))])
    return _internal_change(
        session, case, staff, "priority", priority, PRIORITY_CHANGED, now, client
    )


def set_category(
    session: Session, case: Case, staff: Staff, category: str, now: datetime, *, client: str = ""
) -> CaseEvent | None:
    """Re-file the case; the response time already promised to the customer stays as it was."""
    if category not in CATEGORIES:
        raise UpdateError(
            [FieldError("category", N_("Choose one of the kinds of problem listed."))]
        )
    return _internal_change(
        session, case, staff, "category", category, CATEGORY_CHANGED, now, client
    )


def mark_handled(
    session: Session, case: Case, staff: Staff, now: datetime, *, client: str = ""
) -> CaseEvent | None:
    """An agent has dealt with what the customer added without a reply (e.g. a note or a call).

    An internal timeline entry and an audit entry say who did it; None when nothing was new.
    """
    if not case.needs_attention:
        return None
    case.needs_attention = False
    case.updated_at = now
    event = add_event(session, case, ATTENTION_HANDLED, now, public=False, author=staff.name)
    record_audit(
        session, staff, "case.handled", case, {"event_id": event.id}, client=client, at=now
    )
    return event


def check_status(status: str) -> None:
    if status not in AGENT_STATUSES:
        raise UpdateError([FieldError("status", N_("Choose one of the statuses listed."))])


def _internal_change(
    session: Session,
    case: Case,
    staff: Staff,
    attribute: str,
    value: str,
    kind: str,
    now: datetime,
    client: str,
) -> CaseEvent | None:
    before = getattr(case, attribute)
    if before == value:
        return None
    setattr(case, attribute, value)
    case.updated_at = now
    event = add_event(
        session, case, kind, now, public=False, author=staff.name,
        data={"from": before, "to": value},
    )  # fmt: skip
    record_audit(
        session, staff, f"case.{attribute}", case, {"from": before, "to": value},
        client=client, at=now,
    )  # fmt: skip
    return event
