"""Emails in a case's conversation after the acknowledgement: replies, status news, "solved?".

Each continues the acknowledgement's thread (``Re: [REF] …``, ``In-Reply-To``/``References``
stored with the row by ``cases.updates``) and carries the case's status link. An agent's reply is
a person's words, so it is not marked automatic and shows the agent's name in From.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent
from portal.i18n import N_, gettext
from portal.mail.kinds import MissingMailData, case_context, one_line, register
from portal.mail.models import OutboxMessage
from portal.settings import Settings

# Every message in the thread keeps the acknowledgement's subject, so mail programs that group by
# subject show one conversation too.
THREAD_SUBJECT = N_("We have received your complaint")

STATUS_WORDS = {
    "new": N_("Received"),
    "open": N_("Being handled"),
    "waiting": N_("Waiting for your answer"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}


def _event(session: Session, row: OutboxMessage, case: Case) -> CaseEvent:
    event_id = (row.payload or {}).get("event_id")
    event = session.get(CaseEvent, event_id) if isinstance(event_id, int) else None
    if event is None or event.case_id != case.id or not event.public:
        raise MissingMailData(f"case event {event_id!r} is gone or not for the customer")
    return event


def _conversation(
    session: Session, row: OutboxMessage, settings: Settings
) -> tuple[Case, CaseEvent, dict[str, Any]]:
    case, context = case_context(session, row, settings)
    event = _event(session, row, case)
    return case, event, {**context, "solved_url": context["status_url"] + "#solved"}


@register("agent_reply", THREAD_SUBJECT, automatic=False, reply=True)
def agent_reply(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """The agent's own words, signed with their name."""
    _case, event, context = _conversation(session, row, settings)
    files = (event.data or {}).get("attachments", 0)
    return {
        **context,
        "body": event.body,
        "agent": one_line(event.author),
        "sender_name": one_line(event.author),
        "attachment_count": files if isinstance(files, int) else 0,
    }


@register("status_changed", THREAD_SUBJECT, reply=True)
def status_changed(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    case, event, context = _conversation(session, row, settings)
    status = (event.data or {}).get("to", case.status)
    word = STATUS_WORDS.get(status if isinstance(status, str) else "", N_("Being handled"))
    return {**context, "status": gettext(row.lang, word), "status_key": status}


@register("resolved_check_in", THREAD_SUBJECT, reply=True)
def resolved_check_in(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """ "Is your problem solved?" with the link to answer on the case page."""
    _case, _event_row, context = _conversation(session, row, settings)
    return context
