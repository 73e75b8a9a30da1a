"""What an agent sees of one case: everything the customer sent, the whole timeline (internal
notes marked), the promise and the time left, and the choices for the action forms.

The queue and the case page share the words for statuses and due states defined here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb.reading import list_translations
from portal.cases.labels import CATEGORY_LABELS, OUTCOME_LABELS
from portal.cases.models import Attachment, Case
from portal.cases.pages import file_size
from portal.cases.queue import (
    DUE_OVERDUE,
    DUE_SOON,
    RUNNING_STATES,
    Agent,
    case_calendar,
    due_state,
    list_agents,
)
from portal.cases.reference import is_reference, normalise_reference
from portal.cases.reply_templates import fill, list_templates
from portal.cases.time_left import time_left, time_left_words
from portal.i18n import N_, gettext
from portal.sla.keeping import PROMISE_MOVED, deadline_words, moved_to
from portal.sla.promise import case_promise
from portal.sla.words import PromiseText, describe
from portal.staff.models import StaffUser

STATUS_LABELS = {
    # Translators: a case's status (an adjective: a new case), not a button.
    "new": N_("New"),
    # Translators: a case's status (an adjective: someone is working on it), not the verb.
    "open": N_("Open"),
    "waiting": N_("Waiting for the customer"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
PRIORITY_LABELS = {
    "low": N_("Low"),
    "normal": N_("Normal"),
    "high": N_("High"),
    "urgent": N_("Urgent"),
}
DUE_LABELS = {
    DUE_OVERDUE: N_("Overdue"),
    DUE_SOON: N_("Response due soon"),
    "waiting": N_("Awaiting a first reply"),
    "paused": N_("Paused: waiting on the customer"),
    "answered": N_("Answered"),
    "done": N_("Finished"),
}
EVENT_LABELS = {
    "submitted": N_("The customer sent the complaint"),
    "reply": N_("Reply to the customer"),
    "agent_reply": N_("Reply to the customer"),
    "public_reply": N_("Reply to the customer"),
    "internal_note": N_("Internal note"),
    "note": N_("Internal note"),
    "customer_message": N_("The customer added information"),
    "status_changed": N_("Status changed"),
    "assigned": N_("Assignee changed"),
    "assignee_changed": N_("Assignee changed"),
    "priority_changed": N_("Priority changed"),
    "category_changed": N_("Category changed"),
    "resolved": N_("Resolved"),
    "reopened": N_("Reopened"),
    "feedback": N_("The customer answered whether the problem is solved"),
    "follow_up_opened": N_("A follow-up case was opened"),
    "follow_up_of": N_("Follow-up of an earlier case"),
    "attention_handled": N_("Marked what the customer added as handled"),
    "promise_moved": N_("The customer was told a new response time"),
    "auto_closed": N_("Closed after waiting for the customer"),
}
OTHER_EVENT = N_("Update")


@dataclass(frozen=True)
class DeskEvent:
    at: datetime
    title: str
    author: str
    body: str
    detail: str  # "Open → Resolved", "to Olle", "rating 4 of 5"
    public: bool
    attachments: list[tuple[int, str, str]]  # id, name, size


@dataclass(frozen=True)
class ArticleLink:
    title: str
    url: str


@dataclass(frozen=True)
class TemplateChoice:
    id: int
    name: str
    text: str  # already filled in for this case


@dataclass
class DeskPage:
    case: Case
    status_label: str
    category_label: str
    outcome_label: str
    priority: str
    assignee_id: int | None
    assignee: str
    promise: PromiseText
    due_state: str
    # In working time of the case's calendar: "1 working hour left — due tomorrow at 09:00",
    # "Overdue by 2 working hours — was due yesterday at 16:00"; "" when the clock is stopped.
    remaining: str
    events: list[DeskEvent]
    attachments: list[tuple[int, str, str]]
    agents: list[Agent] = field(default_factory=list)
    articles: list[ArticleLink] = field(default_factory=list)
    templates: list[TemplateChoice] = field(default_factory=list)


def find_case(session: Session, reference: str) -> Case | None:
    """The case with ``reference`` (typed in any case, with or without the hyphen)."""
    reference = normalise_reference(reference)
    if not is_reference(reference):
        return None
    return session.scalar(
        select(Case)
        .where(Case.reference == reference)
        .options(selectinload(Case.events), selectinload(Case.attachments))
    )


def staff_attachment(session: Session, reference: str, attachment_id: int) -> Attachment | None:
    case = find_case(session, reference)
    if case is None:
        return None
    return session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    )


def article_links(session: Session, lang: str, base_url: str) -> list[ArticleLink]:
    """Published articles in the case's language, as links the customer can open."""
    base = base_url.rstrip("/")
    return [
        ArticleLink(t.title, f"{base}/{t.lang}/kb/{t.slug}")
        for t in list_translations(session, lang=lang, status="published")
    ]


def _detail(lang: str, kind: str, data: dict[str, Any], names: dict[int, str], tz: tzinfo) -> str:
    """The facts of a change, for the timeline (who it went to, from what to what)."""
    if kind == PROMISE_MOVED and (moved := moved_to(data)) is not None:
        return gettext(lang, "New response time: %(when)s", when=deadline_words(moved, tz, lang))
    if kind == "assigned":
        to = data.get("to")
        if to is None:
            return gettext(lang, "Now unassigned")
        return gettext(lang, "Now assigned to %(name)s", name=names.get(to, str(to)))
    labels = {
        "status_changed": STATUS_LABELS,
        "resolved": STATUS_LABELS,
        "reopened": STATUS_LABELS,
        "auto_closed": STATUS_LABELS,
        "priority_changed": PRIORITY_LABELS,
        "category_changed": CATEGORY_LABELS,
    }.get(kind)
    if labels is not None and "to" in data:
        return gettext(
            lang,
            "From %(before)s to %(after)s",
            before=label(labels, lang, str(data.get("from") or "")),
            after=label(labels, lang, str(data["to"])),
        )
    if kind == "feedback":
        solved = gettext(lang, "Solved") if data.get("solved") else gettext(lang, "Not solved")
        if data.get("rating"):
            return gettext(
                lang, "%(answer)s, rated %(rating)s of 5", answer=solved, rating=data["rating"]
            )
        return solved
    if kind in ("follow_up_opened", "follow_up_of") and data.get("reference"):
        return gettext(lang, "Case %(reference)s", reference=data["reference"])
    return ""


def label(labels: dict[str, str], lang: str, value: str) -> str:
    text = labels.get(value)
    return gettext(lang, text) if text else value


def desk_page(session: Session, case: Case, lang: str, *, now: datetime, base_url: str) -> DeskPage:
    """The case page for an agent reading in ``lang`` (the case keeps its own language)."""
    names = {u.id: u.name for u in session.scalars(select(StaffUser))}
    promise = case_promise(case)
    by_event: dict[int | None, list[tuple[int, str, str]]] = {}
    for a in case.attachments:
        by_event.setdefault(a.event_id, []).append((a.id, a.filename, file_size(lang, a.size)))
    events = [
        DeskEvent(
            at=e.created_at,
            title=label(EVENT_LABELS, lang, e.kind)
            if e.kind in EVENT_LABELS
            else gettext(lang, OTHER_EVENT),
            author=e.author,
            body=e.body,
            detail=_detail(lang, e.kind, e.data or {}, names, promise.tz),
            public=e.public,
            attachments=by_event.get(e.id, []),
        )
        for e in case.events
    ]
    category = CATEGORY_LABELS.get(case.category, "")
    outcome = OUTCOME_LABELS.get(case.desired_outcome, "")
    calendar = case_calendar(case)
    state = due_state(case, now, calendar)
    assignee_id = case.assignee_id
    return DeskPage(
        case=case,
        status_label=label(STATUS_LABELS, lang, case.status),
        category_label=gettext(lang, category) if category else case.category,
        outcome_label=gettext(lang, outcome) if outcome else "",
        priority=case.priority,
        assignee_id=assignee_id,
        assignee=names.get(assignee_id, "") if assignee_id is not None else "",
        promise=describe(promise, case.lang),
        due_state=state,
        remaining=time_left_words(time_left(calendar, case.promised_at, now), lang)
        if state in RUNNING_STATES
        else "",
        events=events,
        attachments=[(a.id, a.filename, file_size(lang, a.size)) for a in case.attachments],
        agents=list_agents(session),
        articles=article_links(session, case.lang, base_url),
        templates=[
            TemplateChoice(t.id, t.name, fill(t.body, case))
            for t in list_templates(session, case.lang)
        ],
    )
