"""The paused clock: while a case waits on the customer, its promises do not run down.

When a case enters "waiting" the moment is kept; when it leaves, the working time it waited is
added to the running clocks (the first-response promise if no one has answered yet, and the
resolution due time), so the due times agents and the customer see move on by exactly that much.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.sla.policies import load_sla

WAITING = "waiting"


def is_paused(case_: Case) -> bool:
    """Whether the case's clocks stand still (it waits on the customer)."""
    return case_.paused_at is not None


def sync_pause(session: Session, case_: Case, now: datetime) -> None:
    """Start or stop the clock after ``case_.status`` changed; harmless when nothing changed."""
    if case_.status == WAITING:
        if case_.paused_at is None:
            case_.paused_at = now
        return
    if case_.paused_at is None:
        return
    calendar = load_sla(session).calendar(case_.sla_calendar, case_.lang)
    waited = max(timedelta(0), calendar.working_time_between(case_.paused_at, now))
    case_.paused_at = None
    if not waited:
        return
    case_.paused_work_s = (case_.paused_work_s or 0) + int(waited.total_seconds())
    if case_.first_response_at is None:
        case_.promised_at = calendar.add_working_time(case_.promised_at, waited)
    if case_.resolution_due_at is not None and case_.resolved_at is None:
        case_.resolution_due_at = calendar.add_working_time(case_.resolution_due_at, waited)
