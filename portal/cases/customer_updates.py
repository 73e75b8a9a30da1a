"""The customer's side of a case: adding information, and answering "Is your problem solved?".

Called by the status page; works in the caller's transaction like ``cases.updates``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.access import grant_access
from portal.cases.attachments import StagedFile, record_attachments
from portal.cases.case_steps import (
    CUSTOMER_MESSAGE,
    FEEDBACK,
    FOLLOW_UP_OF,
    FOLLOW_UP_OPENED,
    REOPENED,
    UpdateError,
    add_event,
    check_message,
    set_status,
)
from portal.cases.intake import FieldError, clean_description
from portal.cases.models import Case, CaseEvent
from portal.cases.reference import new_reference
from portal.i18n import N_
from portal.mail import outbox
from portal.settings import Settings
from portal.sla.promise import apply_promise, make_promise

# "No, not solved" reopens the case this long after the resolution; later it opens a new one.
REOPEN_WINDOW = timedelta(days=14)
MAX_COMMENT = 2_000


@dataclass(frozen=True)
class Feedback:
    """The customer's answer to "Is your problem solved?", as typed."""

    answer: str = ""  # "yes" or "no"
    rating: str = ""  # "1".."5" or empty
    comment: str = ""


def check_feedback(data: Feedback) -> tuple[bool, int | None, str]:
    """(solved, rating or None, comment); raises ``UpdateError`` listing every problem."""
    errors: list[FieldError] = []
    if data.answer not in ("yes", "no"):
        errors.append(FieldError("answer", N_("Tell us whether your problem is solved.")))
    rating: int | None = None
    if data.rating.strip():
        try:
            rating = int(data.rating.strip())
        except ValueError:
            rating = 0
        if not 1 <= rating <= 5:
            errors.append(FieldError("rating", N_("Choose a rating from 1 to 5.")))
    comment = clean_description(data.comment)
    if len(comment) > MAX_COMMENT:
        errors.append(
            FieldError(
                "comment",
                N_("Your comment can be at most %(limit)s characters long."),
                {"limit": MAX_COMMENT},
            )
        )
    if errors:
        raise UpdateError(errors)
    return data.answer == "yes", rating, comment


def can_write(case: Case) -> bool:
    """The customer may add information while the case is not resolved or closed."""
    return case.status not in ("resolved", "closed")


def asks_feedback(case: Case) -> bool:
    """Whether the status page asks "Is your problem solved?" (once per resolution)."""
    if case.status not in ("resolved", "closed"):
        return False
    return case.feedback_at is None or (
        case.resolved_at is not None and case.feedback_at < case.resolved_at
    )


def add_customer_message(
    session: Session,
    case: Case,
    text: str,
    attachments: Sequence[StagedFile],
    settings: Settings,
    now: datetime,
) -> CaseEvent:
    """The customer adds information: a public timeline entry that flags the case for an agent.

    A case waiting for the customer's answer goes back to "open". Raises ``UpdateError`` for an
    empty or too long text, and when the case is resolved or closed (answer the question instead).
    """
    if not can_write(case):
        raise UpdateError([FieldError("message", N_("This case is closed for new messages."))])
    body = check_message(text, attachments=len(attachments))
    event = add_event(
        session, case, CUSTOMER_MESSAGE, now, public=True, author=case.name, body=body
    )
    record_attachments(session, case.id, event.id, attachments, now)
    event.data = {"attachments": len(attachments)}
    case.needs_attention = True
    if case.status == "waiting":
        set_status(session, case, "open", now, author=case.name, public=True)
    case.updated_at = now
    return event


def answer_solved(
    session: Session, case: Case, data: Feedback, settings: Settings, now: datetime
) -> Case:
    """Record the answer to "Is your problem solved?"; returns the case the customer goes on with.

    "Yes" closes the case. "No" reopens it within ``REOPEN_WINDOW`` of the resolution; after
    that it opens a new case linked by ``parent_case_id`` (with its own acknowledgement), and that
    new case is returned. Raises ``UpdateError`` for bad input or when nothing is being asked.
    """
    if not asks_feedback(case):
        raise UpdateError([FieldError("answer", N_("You have already answered this question."))])
    solved, rating, comment = check_feedback(data)
    case.feedback_at = now
    if rating is not None:
        case.satisfaction = rating
    case.satisfaction_comment = comment
    case.updated_at = now
    add_event(
        session,
        case,
        FEEDBACK,
        now,
        public=True,
        author=case.name,
        body=comment,
        data={"solved": solved, "rating": rating},
    )
    if solved:
        if case.status != "closed":
            set_status(session, case, "closed", now, author=case.name, public=True)
        return case
    resolved_at = case.resolved_at or case.updated_at
    if case.status == "resolved" and now - resolved_at <= REOPEN_WINDOW:
        case.reopened_count += 1
        case.needs_attention = True
        case.resolved_at = None
        set_status(session, case, "open", now, author=case.name, public=True, kind=REOPENED)
        return case
    return _open_follow_up(session, case, comment, settings, now)


def _open_follow_up(
    session: Session, parent: Case, comment: str, settings: Settings, now: datetime
) -> Case:
    category = parent.category
    follow_up = Case(
        reference=_free_reference(session),
        status="new",
        lang=parent.lang,
        email=parent.email,
        name=parent.name,
        phone=parent.phone,
        category=category,
        desired_outcome=parent.desired_outcome,
        order_ref=parent.order_ref,
        description=comment or parent.description,
        created_at=now,
        updated_at=now,
        parent_case_id=parent.id,
        needs_attention=True,
    )
    apply_promise(follow_up, make_promise(session, category=category, lang=parent.lang, at=now))
    session.add(follow_up)
    session.flush()
    add_event(
        session,
        follow_up,
        FOLLOW_UP_OF,
        now,
        public=True,
        author=parent.name,
        data={"reference": parent.reference},
    )
    add_event(
        session,
        parent,
        FOLLOW_UP_OPENED,
        now,
        public=True,
        author=parent.name,
        data={"reference": follow_up.reference},
    )
    access, _token = grant_access(session, follow_up, settings.secret_key)
    session.flush()
    outbox.enqueue(
        session,
        kind="acknowledgement",
        recipient=follow_up.email,
        lang=follow_up.lang,
        case_id=follow_up.id,
        payload={"access_id": access.id},
        settings=settings,
    )
    return follow_up


def _free_reference(session: Session) -> str:
    for _attempt in range(8):
        reference = new_reference()
        if session.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference
    raise RuntimeError("could not find a free case reference")
