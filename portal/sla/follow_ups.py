"""Following cases up: "Is your problem solved?" asked once more a while after a resolution, and
cases waiting on the customer reminded and then closed with a notice.

Periods are working time on the case's calendar (settings ``check_in_after_working_hours``,
``waiting_reminder_after_working_hours``, ``waiting_close_after_working_hours``), so a reminder
"after three working days" does not fall due over a weekend. Each job is done once per resolution
or per wait (see ``sla.jobs``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.cases.case_steps import RESOLVED, STATUS_CHANGED, set_status
from portal.cases.customer_updates import REOPEN_WINDOW
from portal.cases.models import Case, CaseEvent
from portal.settings import Settings
from portal.sla.calendars import BusinessCalendar
from portal.sla.jobs import (
    DueWork,
    Job,
    calendar_for,
    claim,
    done,
    email_customer,
    latest_event,
    locked_case,
    not_done,
)
from portal.sla.keeping import AUTO_CLOSED

# Jobs, as recorded in ``JobRun.job``.
CHECK_IN = "check_in"
WAITING_REMINDER = "waiting_reminder"
AUTO_CLOSE = "auto_close"

# Mail kinds (``portal.mail.keeping_mail``).
MAIL_CHECK_IN = "check_in_reminder"
MAIL_WAITING = "waiting_reminder"
MAIL_AUTO_CLOSED = "auto_closed"

# Waits older than this are left alone: a worker started for the first time does not close
# last year's cases. (A resolution is followed up within ``REOPEN_WINDOW`` only.)
FOLLOW_UP_HORIZON = timedelta(days=60)


def check_in_due(case: Case, calendar: BusinessCalendar, settings: Settings, now: datetime) -> bool:
    """Resolved, "Is your problem solved?" not answered, and the working hours have passed — but
    not once "not solved" would no longer reopen the case (``REOPEN_WINDOW``): the question is a
    follow-up, not a survey weeks later."""
    if case.status != "resolved" or case.resolved_at is None:
        return False
    if now - case.resolved_at > REOPEN_WINDOW:
        return False
    if case.feedback_at is not None and case.feedback_at >= case.resolved_at:
        return False
    after = timedelta(hours=settings.check_in_after_working_hours)
    return calendar.add_working_time(case.resolved_at, after) <= now


def waiting_job_due(
    case: Case, since: datetime, calendar: BusinessCalendar, settings: Settings, now: datetime
) -> str | None:
    """``AUTO_CLOSE``, ``WAITING_REMINDER`` or None for a case waiting on the customer since
    ``since``; when both are due only the closing is done (its notice says everything)."""
    if case.status != "waiting":
        return None
    close = timedelta(hours=settings.waiting_close_after_working_hours)
    if calendar.add_working_time(since, close) <= now:
        return AUTO_CLOSE
    remind = timedelta(hours=settings.waiting_reminder_after_working_hours)
    if calendar.add_working_time(since, remind) <= now:
        return WAITING_REMINDER
    return None


def waiting_since(session: Session, case: Case) -> datetime:
    """When the case started waiting on the customer: when its clock was paused, else its latest
    move to "waiting"."""
    if case.paused_at is not None:
        return case.paused_at
    event = session.scalar(
        select(CaseEvent)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == STATUS_CHANGED)
        .order_by(CaseEvent.id.desc())
        .limit(1)
    )
    if event is not None and (event.data or {}).get("to") == "waiting":
        return event.created_at
    return case.updated_at


def find_follow_up_work(session: Session, settings: Settings, now: datetime) -> list[DueWork]:
    """Check-ins, reminders and closings due at ``now`` and not yet done."""
    found: list[DueWork] = []
    resolved = session.scalars(
        select(Case).where(
            Case.status == "resolved",
            Case.resolved_at >= now - REOPEN_WINDOW,
            Case.resolved_at <= now,
            or_(Case.feedback_at.is_(None), Case.feedback_at < Case.resolved_at),
            not_done(CHECK_IN, Case.resolved_at),
        )
    )
    for case in resolved:
        if check_in_due(case, calendar_for(session, case), settings, now):
            found.append(DueWork(CHECK_IN, case.id))
    waiting = session.scalars(
        select(Case).where(Case.status == "waiting", Case.updated_at > now - FOLLOW_UP_HORIZON)
    )
    for case in waiting:
        since = waiting_since(session, case)
        job = waiting_job_due(case, since, calendar_for(session, case), settings, now)
        if job is not None and not done(session, case.id, job, since):
            found.append(DueWork(job, case.id))
    return found


def send_check_in(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Ask "Is your problem solved?" again when the customer has not answered; once per
    resolution."""
    case = locked_case(session, case_id)
    if case is None or case.resolved_at is None:
        return False
    if not check_in_due(case, calendar_for(session, case), settings, now):
        return False
    event = latest_event(session, case, RESOLVED) or latest_event(session, case)
    if event is None:
        return False
    run = claim(session, case, CHECK_IN, case.resolved_at, now)
    if run is None:
        return False
    run.outbox_id = email_customer(session, case, MAIL_CHECK_IN, settings, event).id
    return True


def follow_up_wait(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Remind a customer we are waiting on, or close the case with a notice when the wait is
    over; each once per wait."""
    case = locked_case(session, case_id)
    if case is None:
        return False
    since = waiting_since(session, case)
    calendar = calendar_for(session, case)
    job = waiting_job_due(case, since, calendar, settings, now)
    if job is None:
        return False
    if job == WAITING_REMINDER:
        # The message refers to the move to "waiting" (any public event if there is none).
        event = latest_event(session, case, STATUS_CHANGED) or latest_event(session, case)
        if event is None:
            return False
        run = claim(session, case, job, since, now)
        if run is None:
            return False
        close = timedelta(hours=settings.waiting_close_after_working_hours)
        close_at = calendar.add_working_time(since, close).isoformat()
        row = email_customer(session, case, MAIL_WAITING, settings, event, close_at=close_at)
        run.outbox_id = row.id
        return True
    run = claim(session, case, job, since, now)
    if run is None:
        return False
    event = set_status(session, case, "closed", now, author="", public=True, kind=AUTO_CLOSED)
    case.needs_attention = False
    case.updated_at = now
    run.outbox_id = email_customer(session, case, MAIL_AUTO_CLOSED, settings, event).id
    return True


JOBS: dict[str, Job] = {
    CHECK_IN: send_check_in,
    WAITING_REMINDER: follow_up_wait,
    AUTO_CLOSE: follow_up_wait,
}
