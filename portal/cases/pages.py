"""What the complaint, confirmation, status and track pages show, in the reader's language.

Each page gets one typed context built here, so templates only lay things out and routes only
parse, call the domain and render.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from babel.numbers import format_decimal
from sqlalchemy.orm import Session

from portal.cases.attachments import (
    ACCEPT_ATTRIBUTE,
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_TOTAL_BYTES,
    MB,
    FileProblem,
    StagedFile,
)
from portal.cases.form_token import new_submission_id
from portal.cases.intake import MAX_DESCRIPTION, FieldError
from portal.cases.labels import CATEGORY_HINTS, CATEGORY_LABELS, OUTCOME_LABELS
from portal.cases.models import Case, CaseEvent
from portal.cases.updates import MAX_COMMENT, asks_feedback, can_write
from portal.i18n import N_, gettext
from portal.sla.keeping import PROMISE_MOVED, deadline_words, moved_to
from portal.sla.pause import is_paused
from portal.sla.promise import case_promise, make_promise
from portal.sla.words import PromiseText, describe

# Form order: the error summary lists problems in this order and links to these element ids.
FIELD_ANCHORS = {
    "description": "description",
    "email": "email",
    "category": "category-product",
    "desired_outcome": "desired_outcome-refund",
    "order_ref": "order_ref",
    "name": "name",
    "phone": "phone",
    "attachments": "attachments",
    "reference": "reference",
    "message": "message",
    "answer": "answer-yes",
    "rating": "rating-5",
    "comment": "comment",
}

STATUS_TEXT = {
    "new": (
        N_("Received"),
        N_("We have your complaint. Someone from our team will read it and reply to you by email."),
    ),
    "open": (
        N_("Being handled"),
        N_(
            "Someone is working on your case. We will write to you when we have an answer or "
            "need more information."
        ),
    ),
    "waiting": (
        N_("Waiting for your answer"),
        N_(
            "We have asked you for more information by email. Your case moves on as soon as you "
            "answer."
        ),
    ),
    "resolved": (
        N_("Resolved"),
        N_("We believe the problem is solved. If it is not, tell us and we will reopen the case."),
    ),
    "closed": (
        N_("Closed"),
        N_("This case is closed. If something is still wrong, please send us a new complaint."),
    ),
}
FALLBACK_STATUS = (
    N_("Being handled"),
    N_("Someone is working on your case. We will write to you when there is news."),
)
OTHER_EVENT = N_("Update")
EVENT_TEXT = {
    "submitted": N_("You sent your complaint"),
    "reply": N_("We replied"),
    "agent_reply": N_("We replied"),
    "customer_message": N_("You added information"),
    "status_changed": N_("The status of your case changed"),
    "resolved": N_("We marked the case as resolved"),
    "reopened": N_("The case was reopened"),
    "feedback": N_("You answered whether your problem is solved"),
    "follow_up_opened": N_("We opened a new case for you"),
    "follow_up_of": N_("This case follows on from an earlier one"),
    "promise_moved": N_("We told you a new time for our answer"),
    "auto_closed": N_("We closed the case because we did not hear from you"),
}
# Timeline entries written by us (replies, status changes, the scheduler's notices).
OUR_EVENTS = frozenset(
    {"reply", "agent_reply", "status_changed", "resolved", "promise_moved", "auto_closed"}
)
FOLLOW_UP_TEXT = {
    "follow_up_opened": N_("Your new case has the reference %(reference)s."),
    "follow_up_of": N_("The earlier case has the reference %(reference)s."),
}
SOLVED_TEXT = {True: N_("Yes, it is solved."), False: N_("No, it is not solved.")}
RATING_TEXT = N_("Your rating: %(rating)s out of 5.")
MOVED_TEXT = N_("We will reply %(when)s.")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class PromiseRow:
    label: str
    promise: PromiseText


@dataclass(frozen=True)
class ErrorLink:
    anchor: str
    message: str


@dataclass
class ComplaintPage:
    values: Mapping[str, str]
    submission_id: str
    form_token: str
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[ErrorLink] = field(default_factory=list)
    staged: list[tuple[StagedFile, str]] = field(default_factory=list)
    notice: str = ""
    categories: list[Choice] = field(default_factory=list)
    outcomes: list[Choice] = field(default_factory=list)
    promises: list[PromiseRow] = field(default_factory=list)
    limits: dict[str, str] = field(default_factory=dict)
    accept: str = ACCEPT_ATTRIBUTE


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    body: str
    notes: tuple[str, ...] = ()
    attachments: tuple[tuple[int, str, str], ...] = ()  # id, name, size
    link: str = ""  # another case's reference (linked cases)
    ours: bool = False  # written by us rather than by the customer


@dataclass
class MessageForm:
    """The "Add information" form: what was typed, staged files and problems per field."""

    text: str = ""
    submission_id: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[ErrorLink] = field(default_factory=list)
    staged: list[tuple[StagedFile, str]] = field(default_factory=list)


@dataclass
class FeedbackForm:
    """ "Is your problem solved?" as answered so far, with problems per field."""

    answer: str = ""
    rating: str = ""
    comment: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[ErrorLink] = field(default_factory=list)


@dataclass(frozen=True)
class CasePage:
    case: Case
    promise: PromiseText
    status_label: str
    status_next: str
    category: str
    outcome: str
    timeline: list[TimelineEntry]
    attachments: list[tuple[int, str, str]]  # id, name, size
    acknowledgement_sent: bool = True
    can_write: bool = False
    asks_feedback: bool = False
    message: MessageForm | None = None
    feedback: FeedbackForm | None = None
    limits: dict[str, str] = field(default_factory=dict)
    accept: str = ACCEPT_ATTRIBUTE
    paused: bool = False  # waiting on the customer: the response-time clock stands still


@dataclass
class TrackPage:
    values: Mapping[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    summary: list[ErrorLink] = field(default_factory=list)
    sent: bool = False


def number(lang: str, value: float) -> str:
    return format_decimal(value, locale=lang)


def file_size(lang: str, size: int) -> str:
    if size >= MB:
        return gettext(lang, "%(size)s MB", size=number(lang, round(size / MB, 1)))
    return gettext(lang, "%(size)s KB", size=number(lang, max(1, round(size / 1024))))


def translate_errors(
    lang: str, errors: Sequence[FieldError], problems: Sequence[FileProblem] = ()
) -> tuple[dict[str, list[str]], list[ErrorLink]]:
    """Messages per field and the linked summary, both in form order and in ``lang``."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        params = {k: number(lang, v) if isinstance(v, int) else v for k, v in error.params.items()}
        by_field.setdefault(error.field, []).append(gettext(lang, error.message, **params))
    for problem in problems:
        params = {
            k: number(lang, v) if isinstance(v, int) else v for k, v in problem.params.items()
        }
        by_field.setdefault("attachments", []).append(
            gettext(lang, problem.message, name=problem.filename, **params)
        )
    summary = [
        ErrorLink(FIELD_ANCHORS[name], message)
        for name in FIELD_ANCHORS
        for message in by_field.get(name, [])
    ]
    return by_field, summary


def promise_rows(session: Session, lang: str, now: datetime) -> list[PromiseRow]:
    """When we would answer a complaint sent now, per kind of problem (the queue included)."""
    return [
        PromiseRow(
            gettext(lang, label),
            describe(make_promise(session, category=value, lang=lang, at=now), lang),
        )
        for value, label in CATEGORY_LABELS.items()
    ]


def complaint_page(
    lang: str,
    *,
    values: Mapping[str, str],
    submission_id: str,
    form_token: str,
    now: datetime,
    promises: Sequence[PromiseRow] = (),
    errors: Sequence[FieldError] = (),
    problems: Sequence[FileProblem] = (),
    staged: Sequence[StagedFile] = (),
    notice: str = "",
) -> ComplaintPage:
    by_field, summary = translate_errors(lang, errors, problems)
    return ComplaintPage(
        values=values,
        submission_id=submission_id,
        form_token=form_token,
        errors=by_field,
        summary=summary,
        staged=[(f, file_size(lang, f.size)) for f in staged],
        notice=gettext(lang, notice) if notice else "",
        categories=[
            Choice(v, gettext(lang, label), gettext(lang, CATEGORY_HINTS[v]))
            for v, label in CATEGORY_LABELS.items()
        ],
        outcomes=[Choice(v, gettext(lang, label)) for v, label in OUTCOME_LABELS.items()],
        promises=list(promises),
        limits={
            "description": number(lang, MAX_DESCRIPTION),
            "files": number(lang, MAX_FILES),
            "file_mb": number(lang, MAX_FILE_BYTES // MB),
            "total_mb": number(lang, MAX_TOTAL_BYTES // MB),
        },
    )


def case_page(
    lang: str,
    case: Case,
    acknowledgement_sent: bool = True,
    *,
    message: MessageForm | None = None,
    feedback: FeedbackForm | None = None,
) -> CasePage:
    """The customer's view: public events only, never an internal note or an agent's name."""
    label, next_step = STATUS_TEXT.get(case.status, FALLBACK_STATUS)
    category = CATEGORY_LABELS.get(case.category, "")
    outcome = OUTCOME_LABELS.get(case.desired_outcome, "")
    files: dict[int | None, list[tuple[int, str, str]]] = {}
    for a in case.attachments:
        files.setdefault(a.event_id, []).append((a.id, a.filename, file_size(lang, a.size)))
    public = [e for e in case.events if e.public]
    first = [e.id for e in public if e.kind == "submitted"][:1]
    promise = case_promise(case)
    timeline = [
        _entry(lang, e, files.get(e.id, []) if e.id not in first else [], promise.tz)
        for e in public
    ]
    sent_first = [*files.get(None, []), *(files.get(first[0], []) if first else [])]
    return CasePage(
        case=case,
        promise=describe(promise, lang),
        paused=is_paused(case),
        status_label=gettext(lang, label),
        status_next=gettext(lang, next_step),
        category=gettext(lang, category) if category else "",
        outcome=gettext(lang, outcome) if outcome else "",
        timeline=timeline,
        attachments=sorted(sent_first),
        acknowledgement_sent=acknowledgement_sent,
        can_write=can_write(case),
        asks_feedback=asks_feedback(case),
        message=message or MessageForm(submission_id=new_submission_id()),
        feedback=feedback or FeedbackForm(),
        limits={
            "message": number(lang, MAX_DESCRIPTION),
            "comment": number(lang, MAX_COMMENT),
            "files": number(lang, MAX_FILES),
            "file_mb": number(lang, MAX_FILE_BYTES // MB),
            "total_mb": number(lang, MAX_TOTAL_BYTES // MB),
        },
    )


def _entry(
    lang: str, event: CaseEvent, files: list[tuple[int, str, str]], tz: tzinfo
) -> TimelineEntry:
    data = event.data or {}
    notes: list[str] = []
    link = ""
    if event.kind in FOLLOW_UP_TEXT and isinstance(data.get("reference"), str):
        link = data["reference"]
        notes.append(gettext(lang, FOLLOW_UP_TEXT[event.kind], reference=link))
    if event.kind == "feedback":
        solved, rating = data.get("solved"), data.get("rating")
        if isinstance(solved, bool):
            notes.append(gettext(lang, SOLVED_TEXT[solved]))
        if isinstance(rating, int):
            notes.append(gettext(lang, RATING_TEXT, rating=number(lang, rating)))
    if event.kind == PROMISE_MOVED and (moved := moved_to(data)) is not None:
        notes.append(gettext(lang, MOVED_TEXT, when=deadline_words(moved, tz, lang)))
    return TimelineEntry(
        at=event.created_at,
        title=gettext(lang, EVENT_TEXT.get(event.kind, OTHER_EVENT)),
        body=event.body,
        notes=tuple(notes),
        attachments=tuple(files),
        link=link,
        ours=event.kind in OUR_EVENTS,
    )


def message_form(
    lang: str,
    text: str,
    submission_id: str,
    errors: Sequence[FieldError] = (),
    problems: Sequence[FileProblem] = (),
    staged: Sequence[StagedFile] = (),
) -> MessageForm:
    by_field, summary = translate_errors(lang, errors, problems)
    return MessageForm(
        text=text,
        submission_id=submission_id,
        errors=by_field,
        summary=summary,
        staged=[(f, file_size(lang, f.size)) for f in staged],
    )


def feedback_form(
    lang: str, answer: str, rating: str, comment: str, errors: Sequence[FieldError] = ()
) -> FeedbackForm:
    by_field, summary = translate_errors(lang, errors)
    return FeedbackForm(answer, rating, comment, by_field, summary)


def track_page(
    lang: str,
    values: Mapping[str, str],
    errors: Sequence[FieldError] = (),
    sent: bool = False,
) -> TrackPage:
    by_field, summary = translate_errors(lang, errors)
    return TrackPage(values=values, errors=by_field, summary=summary, sent=sent)
