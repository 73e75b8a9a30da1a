"""Finding a case again: by reference and email (a fresh link by email), or by a status link.

Nothing here tells a visitor whether a reference or an address exists: a request that matches
and one that does not produce the same page, and only the match queues an email.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.access import grant_access, token_opens
from portal.cases.intake import FieldError, check_email
from portal.cases.models import Attachment, Case
from portal.cases.reference import is_reference, normalise_reference
from portal.i18n import N_
from portal.mail import outbox
from portal.mail.models import OutboxMessage
from portal.settings import Settings


@dataclass(frozen=True)
class TrackInput:
    reference: str = ""
    email: str = ""
    lang: str = "en"


@dataclass(frozen=True)
class CheckedTrack:
    reference: str
    email: str
    errors: list[FieldError]


def validate_track(data: TrackInput) -> CheckedTrack:
    """Check the shape of what was typed (never whether it exists)."""
    errors: list[FieldError] = []
    raw_reference = (data.reference or "").strip()
    reference = normalise_reference(raw_reference)
    if not raw_reference:
        errors.append(
            FieldError("reference", N_("Enter the case reference from your confirmation email."))
        )
    elif not is_reference(reference):
        errors.append(
            FieldError(
                "reference",
                N_("A case reference has eight letters and digits, like K7M3-QX9T."),
            )
        )
    email, email_error = check_email(data.email)
    if email_error:
        errors.append(email_error)
    return CheckedTrack(reference, email, errors)


def request_case_link(session: Session, data: TrackInput, settings: Settings) -> bool:
    """Queue a fresh status link when reference and email belong together; True if one was queued.

    The caller must not show the result: the page reads the same either way.
    """
    checked = validate_track(data)
    if checked.errors:
        return False
    case = session.scalar(select(Case).where(Case.reference == checked.reference))
    # Compare even when there is no case, so both paths do the same work.
    stored = case.email if case is not None else "nobody@invalid.invalid"
    matches = hmac.compare_digest(stored.casefold().encode(), checked.email.casefold().encode())
    if case is None or not matches:
        return False
    access, _token = grant_access(session, case, settings.secret_key)
    session.flush()
    outbox.enqueue(
        session,
        kind="case_link",
        recipient=case.email,
        lang=case.lang,  # emails about a case are in the case's language
        case_id=case.id,
        payload={"access_id": access.id},
        settings=settings,
    )
    return True


def case_for_viewer(session: Session, reference: str, token: str | None) -> Case | None:
    """The case ``reference`` if ``token`` (from the visitor's cookie) is one of its links."""
    if not token or not is_reference(reference):
        return None
    return token_opens(session, token, reference)


def attachment_for_viewer(
    session: Session, reference: str, token: str | None, attachment_id: int
) -> Attachment | None:
    """An attachment, only through access to the case it belongs to."""
    case = case_for_viewer(session, reference, token)
    if case is None:
        return None
    return session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    )


def acknowledgement_queued(session: Session, case_id: int) -> bool:
    """Whether the case's acknowledgement is on its way (not held back as a loop or a flood)."""
    status = session.scalar(
        select(OutboxMessage.status)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.kind == "acknowledgement")
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return status in (outbox.PENDING, outbox.SENT)
