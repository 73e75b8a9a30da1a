"""Complaint intake: check what the customer sent, then store the case and its acknowledgement.

``submit_complaint`` writes the case, its first timeline event, its attachments, a status link and
the acknowledgement email in the caller's transaction, so either all of it exists or none of it.
A form carries a random ``submission_id``; sending the same form twice (double-click, refresh,
resend) finds the first case instead of creating another, even when both requests race.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.cases.access import access_values, grant_access, token_for
from portal.cases.attachments import StagedFile, record_attachments
from portal.cases.form_token import new_submission_id
from portal.cases.labels import CATEGORIES, OUTCOMES
from portal.cases.models import Case, CaseAccess, CaseEvent
from portal.cases.reference import new_reference
from portal.i18n import LANGUAGES, N_
from portal.mail import outbox
from portal.settings import Settings
from portal.sla.promise import apply_promise, make_promise

MAX_DESCRIPTION = 20_000
MAX_NAME = 200
MAX_PHONE = 50
MAX_ORDER_REF = 100
MAX_EMAIL = 320
REFERENCE_ATTEMPTS = 8

# Line breaks and tabs in one-line fields become spaces; other control characters and the
# invisible bidirectional overrides (which can disguise text) are dropped.
_LINE_BREAKS = re.compile(r"[\t\n\v\f\r\x85\u2028\u2029]")
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
_DESCRIPTION_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
_PHONE = re.compile(r"^[0-9+()./\- ]+$")


@dataclass(frozen=True)
class ComplaintInput:
    """What the complaint form sends, as typed (``validate_complaint`` returns a cleaned copy)."""

    email: str = ""
    description: str = ""
    name: str = ""
    phone: str = ""
    category: str = ""
    desired_outcome: str = ""
    order_ref: str = ""
    lang: str = "en"
    submission_id: str = ""


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: an English message id (translated where shown) and its values."""

    field: str
    message: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Checked:
    value: ComplaintInput
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Submission:
    """The stored case as the customer's browser needs it: reference and a status-link token."""

    case_id: int
    reference: str
    token: str
    email: str
    created: bool  # False when this was a resend of a form that already made a case


class InvalidComplaint(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(e.field for e in errors))
        self.errors = errors


def one_line(text: str) -> str:
    text = _INVISIBLE.sub("", _LINE_BREAKS.sub(" ", text or ""))
    return " ".join(text.split())


def clean_description(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _DESCRIPTION_CONTROL.sub("", text).strip()


def check_email(raw: str) -> tuple[str, FieldError | None]:
    """The normalised address, or the error to show (never looks the domain up).

    Remembered for recent addresses: a complaint's address is checked by the form handler and
    again by ``submit_complaint``, and parsing an address is a good part of the check's cost.
    """
    raw = raw or ""
    return _check_email(raw) if len(raw) <= 2 * MAX_EMAIL else _check_email.__wrapped__(raw)


@lru_cache(maxsize=1024)
def _check_email(raw: str) -> tuple[str, FieldError | None]:
    email = raw.strip()
    if not email:
        return email, FieldError("email", N_("Enter your email address so that we can reply."))
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return email, FieldError("email", N_("Enter a valid email address, like name@example.com."))
    if len(checked.normalized) > MAX_EMAIL:
        return email, FieldError("email", N_("This email address is too long."))
    return checked.normalized, None


def validate_complaint(data: ComplaintInput) -> Checked:
    """Clean every field and list what is wrong, field by field, in form order."""
    errors: list[FieldError] = []
    email, email_error = check_email(data.email)
    if email_error:
        errors.append(email_error)
    description = clean_description(data.description)
    if not description:
        errors.append(
            FieldError("description", N_("Tell us what happened, in a few words or more."))
        )
    elif len(description) > MAX_DESCRIPTION:
        errors.append(
            FieldError(
                "description",
                N_(
                    "Your description is %(count)s characters long; the limit is %(limit)s. "
                    "Please shorten it — your text is still here."
                ),
                {"count": len(description), "limit": MAX_DESCRIPTION},
            )
        )
    name, phone, order_ref = one_line(data.name), one_line(data.phone), one_line(data.order_ref)
    if len(name) > MAX_NAME:
        errors.append(
            FieldError(
                "name",
                N_("Your name can be at most %(limit)s characters long."),
                {"limit": MAX_NAME},
            )
        )
    if len(phone) > MAX_PHONE:
        errors.append(
            FieldError(
                "phone",
                N_("A phone number can be at most %(limit)s characters long."),
                {"limit": MAX_PHONE},
            )
        )
    elif phone and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 4):
        errors.append(
            FieldError(
                "phone",
                N_("Enter a phone number using digits, spaces and + - ( ) only."),
            )
        )
    category = (data.category or "").strip()
    if category and category not in CATEGORIES:
        errors.append(FieldError("category", N_("Choose one of the kinds of problem listed.")))
    outcome = (data.desired_outcome or "").strip()
    if outcome and outcome not in OUTCOMES:
        errors.append(FieldError("desired_outcome", N_("Choose one of the outcomes listed.")))
    if len(order_ref) > MAX_ORDER_REF:
        errors.append(
            FieldError(
                "order_ref",
                N_("An order number can be at most %(limit)s characters long."),
                {"limit": MAX_ORDER_REF},
            )
        )
    cleaned = replace(
        data,
        email=email,
        description=description,
        name=name,
        phone=phone,
        category=category,
        desired_outcome=outcome,
        order_ref=order_ref,
        lang=data.lang if data.lang in LANGUAGES else "en",
    )
    return Checked(cleaned, errors)


# -- storing ------------------------------------------------------------------------------------


def submit_complaint(
    session: Session,
    data: ComplaintInput,
    attachments: Sequence[StagedFile],
    settings: Settings,
    now: datetime,
) -> Submission:
    """Store a complaint in the caller's transaction (call ``services.outbox_changed()`` after).

    The same form sent again returns the case it already made. If the same form comes back with
    a different email or description (edited after going back), that is a new complaint.

    This is the portal's busiest write, so it is a handful of plain SQL statements rather than
    ORM flushes: the case is inserted first and only a conflict looks for an earlier case, so a
    new complaint costs no lookup and no savepoint.
    """
    checked = validate_complaint(data)
    if not checked.ok:
        raise InvalidComplaint(checked.errors)
    data = checked.value
    submission_id = data.submission_id or new_submission_id()
    category = data.category or "other"
    promise = _Columns()  # the promise's columns, as ``apply_promise`` sets them on a case
    apply_promise(promise, make_promise(session, category=category, lang=data.lang, at=now))
    connection = session.connection()

    case_id = None
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference()
        case_id = _insert_case(connection, data, submission_id, reference, vars(promise), now)
        if case_id is not None:
            break
        # Nothing was inserted: this form made a case already (perhaps a racing request, which
        # PostgreSQL waits for), or the random reference is taken and another one is tried.
        existing = _case_for_submission(session, submission_id)
        if existing is not None:
            if _same_complaint(existing, data):
                return _resent(session, existing, settings)
            submission_id = new_submission_id()
    if case_id is None:
        raise RuntimeError("could not find a free case reference")

    event_id = connection.execute(
        _INSERT_EVENT,
        {
            "case_id": case_id,
            "created_at": now,
            "kind": "submitted",
            "public": True,
            "author": data.name,
            "body": "",
            "data": {"category": category, "attachments": len(attachments)},
        },
    ).scalar_one()
    if attachments:
        record_attachments(session, case_id, event_id, attachments, now)
    access, token = access_values(case_id, settings.secret_key, now)
    access_id = connection.execute(_INSERT_ACCESS, access).scalar_one()
    outbox.enqueue_quickly(
        connection,
        kind="acknowledgement",
        recipient=data.email,
        lang=data.lang,
        case_id=case_id,
        payload={"access_id": access_id},
        settings=settings,
    )
    return Submission(case_id, reference, token, data.email, created=True)


class _Columns(SimpleNamespace):
    """Column values for a row about to be inserted (``apply_promise`` sets the promise's)."""


_CASES = Case.__table__
_INSERT_EVENT = insert(CaseEvent.__table__).returning(CaseEvent.__table__.c.id)
_INSERT_ACCESS = insert(CaseAccess.__table__).returning(CaseAccess.__table__.c.id)
_INSERT_CASE_IF_FREE = {
    # Insert unless the reference or the submission id is taken; either way, no error.
    "sqlite": sqlite_insert(_CASES).on_conflict_do_nothing().returning(_CASES.c.id),
    "postgresql": postgresql_insert(_CASES).on_conflict_do_nothing().returning(_CASES.c.id),
}


def _insert_case(
    connection: Connection,
    data: ComplaintInput,
    submission_id: str,
    reference: str,
    promise: dict[str, object],
    now: datetime,
) -> int | None:
    """The new case's id, or None when its reference or submission id is already taken."""
    values = {
        "reference": reference,
        "submission_id": submission_id,
        "status": "new",
        "lang": data.lang,
        "email": data.email,
        "name": data.name,
        "phone": data.phone,
        "category": data.category or "other",
        "desired_outcome": data.desired_outcome,
        "order_ref": data.order_ref,
        "description": data.description,
        "created_at": now,
        "updated_at": now,
        **promise,
    }
    statement = _INSERT_CASE_IF_FREE[connection.dialect.name]
    return connection.execute(statement, values).scalar_one_or_none()


def _case_for_submission(session: Session, submission_id: str) -> Case | None:
    return session.scalar(select(Case).where(Case.submission_id == submission_id))


def _same_complaint(case: Case, data: ComplaintInput) -> bool:
    return case.email == data.email and case.description == data.description


def _resent(session: Session, case: Case, settings: Settings) -> Submission:
    """The form was sent before: hand back the first status link again (rebuilt from its nonce)."""
    access = session.scalar(
        select(CaseAccess).where(CaseAccess.case_id == case.id).order_by(CaseAccess.id).limit(1)
    )
    if access is None:
        access, token = grant_access(session, case, settings.secret_key)
    else:
        token = token_for(access.nonce, settings.secret_key)
    return Submission(case.id, case.reference, token, case.email, created=False)
