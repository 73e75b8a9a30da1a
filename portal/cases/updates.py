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
    mark_seen(session, case, staff, now)                              # clears needs_attention

Bad input raises ``UpdateError`` (a ``FieldError`` list, English message ids); a status or
category outside the lists raises it too. The customer's side::

    add_customer_message(session, case, text, attachments, settings, now)
    answer_solved(session, case, Feedback(answer, rating, comment), settings, now) -> Case

Status link in emails: every email about a case carries the link of the case's first access
(rebuilt from its nonce with ``token_for``), exactly as a resent complaint form does. A fresh grant
per email would add a new permanent secret for every message — more keys that open the case, none
revocable on its own — while the customer already holds the first link from the acknowledgement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.access import grant_access
from portal.cases.attachments import StagedFile
from portal.cases.intake import (
    CATEGORIES,
    MAX_DESCRIPTION,
    FieldError,
    clean_description,
    one_line,
)
from portal.cases.models import Attachment, Case, CaseAccess, CaseEvent
from portal.cases.reference import new_reference
from portal.i18n import N_
from portal.mail import outbox
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.sla.interim import expected_response
from portal.staff.audit import record_audit

STATUSES = ("new", "open", "waiting", "resolved", "closed")
AGENT_STATUSES = ("open", "waiting", "resolved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
# "No, not solved" reopens the case this long after the resolution; later it opens a new one.
REOPEN_WINDOW = timedelta(days=14)
MAX_COMMENT = 2_000
# Emails that belong to the customer's conversation about a case, threaded by References.
THREAD_KINDS = ("acknowledgement", "agent_reply", "status_changed", "resolved_check_in")
MAX_REFERENCES = 10

# Timeline event kinds (their customer-facing titles live in ``pages.EVENT_TEXT``).
CUSTOMER_MESSAGE = "customer_message"
AGENT_REPLY = "agent_reply"
INTERNAL_NOTE = "internal_note"
STATUS_CHANGED = "status_changed"
RESOLVED = "resolved"
REOPENED = "reopened"
FEEDBACK = "feedback"
FOLLOW_UP_OPENED = "follow_up_opened"
FOLLOW_UP_OF = "follow_up_of"
ASSIGNED = "assigned"
PRIORITY_CHANGED = "priority_changed"
CATEGORY_CHANGED = "category_changed"


class Staff(Protocol):
    """A ``StaffUser`` or a ``StaffIdentity``."""

    @property
    def id(self) -> int: ...

    @property
    def email(self) -> str: ...

    @property
    def name(self) -> str: ...


class UpdateError(ValueError):
    """What is wrong with the input, per field; nothing was changed."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(e.field for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class Feedback:
    """The customer's answer to "Is your problem solved?", as typed."""

    answer: str = ""  # "yes" or "no"
    rating: str = ""  # "1".."5" or empty
    comment: str = ""


# -- checking input -----------------------------------------------------------------------------


def check_message(text: str, *, field: str = "message", attachments: int = 0) -> str:
    """The cleaned text; raises ``UpdateError`` when it is empty (and no files) or too long."""
    cleaned = clean_description(text)
    if not cleaned and not attachments:
        raise UpdateError([FieldError(field, N_("Write your message, in a few words or more."))])
    if len(cleaned) > MAX_DESCRIPTION:
        raise UpdateError(
            [
                FieldError(
                    field,
                    N_(
                        "Your message is %(count)s characters long; the limit is %(limit)s. "
                        "Please shorten it — your text is still here."
                    ),
                    {"count": len(cleaned), "limit": MAX_DESCRIPTION},
                )
            ]
        )
    return cleaned


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


# -- the customer's side ------------------------------------------------------------------------


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
    event = _event(session, case, CUSTOMER_MESSAGE, now, public=True, author=case.name, body=body)
    _attach(session, case, event, attachments, now)
    event.data = {"attachments": len(attachments)}
    case.needs_attention = True
    if case.status == "waiting":
        _set_status(session, case, "open", now, author=case.name, public=True)
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
    _event(
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
            _set_status(session, case, "closed", now, author=case.name, public=True)
        return case
    resolved_at = case.resolved_at or case.updated_at
    if case.status == "resolved" and now - resolved_at <= REOPEN_WINDOW:
        case.reopened_count += 1
        case.needs_attention = True
        case.resolved_at = None
        _set_status(session, case, "open", now, author=case.name, public=True, kind=REOPENED)
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
        promised_at=expected_response(category, now).due,
        parent_case_id=parent.id,
        needs_attention=True,
    )
    session.add(follow_up)
    session.flush()
    _event(
        session,
        follow_up,
        FOLLOW_UP_OF,
        now,
        public=True,
        author=parent.name,
        data={"reference": parent.reference},
    )
    _event(
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


# -- the agents' side ---------------------------------------------------------------------------


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
    becomes "open"; ``status`` (e.g. "waiting") changes it in the same step without a second email.
    """
    body = check_message(text, attachments=len(attachments))
    if status is not None:
        _check_status(status)
    event = _event(session, case, AGENT_REPLY, now, public=True, author=staff.name, body=body)
    _attach(session, case, event, attachments, now)
    event.data = {"staff_id": staff.id, "attachments": len(attachments)}
    if case.first_response_at is None:
        case.first_response_at = now
    case.needs_attention = False
    target = status or ("open" if case.status == "new" else None)
    if target and target != case.status:
        _set_status(session, case, target, now, author=staff.name, public=True)
    case.updated_at = now
    _email(session, case, "agent_reply", settings, event)
    record_audit(session, staff, "case.reply", case, {"event_id": event.id}, client=client, at=now)
    return event


def add_internal_note(
    session: Session, case: Case, staff: Staff, text: str, now: datetime, *, client: str = ""
) -> CaseEvent:
    """A note for colleagues: never shown to the customer, never emailed."""
    body = check_message(text)
    event = _event(session, case, INTERNAL_NOTE, now, public=False, author=staff.name, body=body)
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
    _check_status(status)
    if status == case.status:
        return None
    before = case.status
    event = _set_status(session, case, status, now, author=staff.name, public=True)
    case.updated_at = now
    _email(session, case, "resolved_check_in" if status == "resolved" else "status_changed",
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
    event = _event(
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


def mark_seen(session: Session, case: Case, staff: Staff, now: datetime) -> None:
    """An agent has read what the customer added, without answering yet."""
    case.needs_attention = False


# -- shared steps -------------------------------------------------------------------------------


def _check_status(status: str) -> None:
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
    event = _event(
        session, case, kind, now, public=False, author=staff.name,
        data={"from": before, "to": value},
    )  # fmt: skip
    record_audit(
        session, staff, f"case.{attribute}", case, {"from": before, "to": value},
        client=client, at=now,
    )  # fmt: skip
    return event


def _event(
    session: Session,
    case: Case,
    kind: str,
    now: datetime,
    *,
    public: bool,
    author: str = "",
    body: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    event = CaseEvent(
        case_id=case.id,
        created_at=now,
        kind=kind,
        public=public,
        author=one_line(author)[:200],
        body=body,
        data=dict(data or {}),
    )
    session.add(event)
    session.flush()
    return event


def _set_status(
    session: Session,
    case: Case,
    status: str,
    now: datetime,
    *,
    author: str,
    public: bool,
    kind: str | None = None,
) -> CaseEvent:
    before = case.status
    case.status = status
    if status == "resolved":
        case.resolved_at = now
        case.needs_attention = False
    elif status in ("open", "waiting", "new"):
        case.resolved_at = None
    kind = kind or (RESOLVED if status == "resolved" else STATUS_CHANGED)
    return _event(
        session, case, kind, now, public=public, author=author,
        data={"from": before, "to": status},
    )  # fmt: skip


def _attach(
    session: Session,
    case: Case,
    event: CaseEvent,
    files: Sequence[StagedFile],
    now: datetime,
) -> None:
    keys = [f.key for f in files]
    taken = set(
        session.scalars(select(Attachment.storage_key).where(Attachment.storage_key.in_(keys)))
        if keys
        else []
    )
    for staged in files:
        if staged.key in taken:
            continue  # a racing request attached it already; a file never belongs to two cases
        session.add(
            Attachment(
                case_id=case.id,
                event_id=event.id,
                filename=staged.filename,
                content_type=staged.content_type,
                size=staged.size,
                sha256=staged.sha256,
                storage_key=staged.key,
                created_at=now,
            )
        )


def first_access(session: Session, case: Case, settings: Settings) -> CaseAccess:
    """The case's first status link (granted now if the case has none)."""
    access = session.scalar(
        select(CaseAccess).where(CaseAccess.case_id == case.id).order_by(CaseAccess.id).limit(1)
    )
    if access is None:
        access, _token = grant_access(session, case, settings.secret_key)
        session.flush()
    return access


def thread_headers(session: Session, case: Case) -> dict[str, Any]:
    """``in_reply_to`` and ``references`` for the next email about ``case``.

    References name the acknowledgement first and end with the latest message, so every mail
    program files the email under one conversation even if a message in between went missing.
    """
    ids = list(
        session.scalars(
            select(OutboxMessage.message_id)
            .where(
                OutboxMessage.case_id == case.id,
                OutboxMessage.kind.in_(THREAD_KINDS),
                OutboxMessage.status.in_((outbox.PENDING, outbox.SENT)),
            )
            .order_by(OutboxMessage.id)
        )
    )
    if not ids:
        return {}
    chain = ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return {"in_reply_to": ids[-1], "references": chain}


def _email(
    session: Session, case: Case, kind: str, settings: Settings, event: CaseEvent
) -> OutboxMessage:
    access = first_access(session, case, settings)
    return outbox.enqueue(
        session,
        kind=kind,
        recipient=case.email,
        lang=case.lang,
        case_id=case.id,
        payload={"access_id": access.id, "event_id": event.id, **thread_headers(session, case)},
        settings=settings,
    )
