"""The steps every case update is made of: a timeline event, a status move, files, an email.

``cases.updates`` (the agents' side) and ``cases.customer_updates`` (the customer's side) are built
from these, so an event, a status change or an email is written the same way from either side.

Status link in emails: every email about a case carries the link of the case's first access
(rebuilt from its nonce with ``token_for``), exactly as a resent complaint form does. A fresh grant
per email would add a new permanent secret for every message — more keys that open the case, none
revocable on its own — while the customer already holds the first link from the acknowledgement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.access import grant_access
from portal.cases.intake import MAX_DESCRIPTION, FieldError, clean_description, one_line
from portal.cases.models import Case, CaseAccess, CaseEvent
from portal.i18n import N_
from portal.mail import outbox
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.sla.pause import sync_pause

# Emails that belong to the customer's conversation about a case, threaded by References.
THREAD_KINDS = (
    "acknowledgement",
    "agent_reply",
    "status_changed",
    "resolved_check_in",
    # Sent by the scheduler (``sla.keeping``).
    "promise_moved",
    "check_in_reminder",
    "waiting_reminder",
    "auto_closed",
)
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
ATTENTION_HANDLED = "attention_handled"


class UpdateError(ValueError):
    """What is wrong with the input, per field; nothing was changed."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(e.field for e in errors))
        self.errors = errors


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


def add_event(
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


def set_status(
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
    sync_pause(session, case, now)
    kind = kind or (RESOLVED if status == "resolved" else STATUS_CHANGED)
    return add_event(
        session, case, kind, now, public=public, author=author,
        data={"from": before, "to": status},
    )  # fmt: skip


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


def email_customer(
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
