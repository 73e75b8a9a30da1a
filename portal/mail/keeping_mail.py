"""Emails of the promise-keeping scheduler (``portal.sla.keeping``).

The customer's messages continue the case's thread like the conversation kinds; all are automatic
notices. The agents' warning is not in the customer's thread: it goes to the assignee or the team
with a link to the case in the back office.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseEvent
from portal.i18n import N_
from portal.mail.conversation import THREAD_SUBJECT
from portal.mail.kinds import MissingMailData, case_context, one_line, register
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.sla.keeping import deadline_words
from portal.sla.policies import load_sla


def _when(session: Session, case: Case, due: datetime, lang: str) -> str:
    """An instant as the customer reads it, on the case's calendar."""
    return deadline_words(due, load_sla(session).calendar(case.sla_calendar, case.lang).tz, lang)


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@register("promise_at_risk", N_("A promise to a customer is about to be broken"))
def promise_at_risk(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """To agents: which case, how much working time is left, and where to answer it."""
    case = session.get(Case, row.case_id) if row.case_id is not None else None
    if case is None:
        raise MissingMailData(f"case {row.case_id} no longer exists")
    payload = row.payload or {}
    due = _instant(payload.get("due")) or case.promised_at
    minutes = payload.get("minutes")
    return {
        "reference": case.reference,
        "name": one_line(str(payload.get("staff_name", ""))),
        "customer": one_line(case.name),
        "when": _when(session, case, due, row.lang),
        "minutes": minutes if isinstance(minutes, int) else 0,
        "case_url": f"{settings.base_url.rstrip('/')}/staff/cases/{case.reference}",
    }


@register("promise_moved", THREAD_SUBJECT, reply=True)
def promise_moved(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """To the customer, before the old time passes: we will be late, and the new time."""
    case, context = case_context(session, row, settings)
    previous = _event_time(session, row, case, "from")
    return {**context, "previous": _when(session, case, previous, row.lang) if previous else ""}


def _event_time(session: Session, row: OutboxMessage, case: Case, key: str) -> datetime | None:
    event_id = (row.payload or {}).get("event_id")
    event = session.get(CaseEvent, event_id) if isinstance(event_id, int) else None
    if event is None or event.case_id != case.id:
        return None
    return _instant((event.data or {}).get(key))


@register("check_in_reminder", THREAD_SUBJECT, reply=True)
def check_in_reminder(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """ "Is your problem solved?" once more, a working day or so after the resolution."""
    _case, context = case_context(session, row, settings)
    return {**context, "solved_url": context["status_url"] + "#solved"}


@register("waiting_reminder", THREAD_SUBJECT, reply=True)
def waiting_reminder(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """We still need the customer's answer before we can go on, and when the case closes."""
    case, context = case_context(session, row, settings)
    close_at = _instant((row.payload or {}).get("close_at"))
    return {**context, "close_when": _when(session, case, close_at, row.lang) if close_at else ""}


@register("auto_closed", THREAD_SUBJECT, reply=True)
def auto_closed(session: Session, row: OutboxMessage, settings: Settings) -> dict[str, Any]:
    """The case was closed after waiting for the customer; how to go on if it is not solved."""
    _case, context = case_context(session, row, settings)
    return {**context, "solved_url": context["status_url"] + "#solved"}
