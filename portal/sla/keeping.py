"""Keeping promises: the scheduled jobs that warn agents, tell customers honestly when an answer
will be late, follow up resolved cases and remind customers who are asked for something.

Each job works on one case in the caller's transaction (``portal.sla.schedule`` opens one per job)
and never commits. It locks the case, checks again that the work is due, records a ``JobRun`` keyed
by case, job and anchor, and queues its email in the same transaction. A second worker or a round
after a restart that reaches the same work finds the record (or fails to insert it and rolls back
its email with it), so nothing is ever sent twice.

Times are working time on the case's business calendar: a reminder "after three working days"
does not fall due over a weekend, and a promise does not run out at night.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from portal.cases.case_steps import (
    RESOLVED,
    STATUS_CHANGED,
    add_event,
    first_access,
    set_status,
    thread_headers,
)
from portal.cases.models import Case, CaseEvent
from portal.mail import outbox
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.sla.calendars import BusinessCalendar
from portal.sla.job_runs import JobRun
from portal.sla.policies import load_sla
from portal.sla.promise import count_backlog
from portal.staff.models import AGENT, StaffRole, StaffUser

# Jobs, as recorded in ``JobRun.job``.
BREACH_WARNING = "breach_warning"
LATE_UPDATE = "late_update"
CHECK_IN = "check_in"
WAITING_REMINDER = "waiting_reminder"
AUTO_CLOSE = "auto_close"

# Public timeline events (titles in ``cases.pages.EVENT_TEXT``).
PROMISE_MOVED = "promise_moved"
AUTO_CLOSED = "auto_closed"

# Mail kinds (``portal.mail.keeping_mail``).
MAIL_AT_RISK = "promise_at_risk"
MAIL_PROMISE_MOVED = "promise_moved"
MAIL_CHECK_IN = "check_in_reminder"
MAIL_WAITING = "waiting_reminder"
MAIL_AUTO_CLOSED = "auto_closed"

UNANSWERED_STATUSES = ("new", "open")
# Promises further away than this (in calendar time) are never within a warning's reach.
LOOKAHEAD = timedelta(days=30)
# Resolutions and waits older than this are left alone: a worker started for the first time
# does not follow up last year's cases.
FOLLOW_UP_HORIZON = timedelta(days=60)
# The late update's queue allowance: a case waits behind the unanswered cases promised before it,
# answered at the recent rate (first responses per working hour, as the promise at submission
# counts them), at least this fast, and never more than this much longer.
MIN_THROUGHPUT_PER_HOUR = 1.0
MAX_QUEUE_ALLOWANCE = timedelta(hours=45)


# -- calendars ------------------------------------------------------------------------------------


def calendar_for(session: Session, case: Case) -> BusinessCalendar:
    """The business calendar the case's promise was counted on (its language's if gone)."""
    return load_sla(session).calendar(case.sla_calendar, case.lang)


# -- when work is due -----------------------------------------------------------------------------


def working_minutes_left(calendar: BusinessCalendar, now: datetime, due: datetime) -> float:
    return calendar.working_time_between(now, due).total_seconds() / 60


def warning_due(case: Case, calendar: BusinessCalendar, settings: Settings, now: datetime) -> bool:
    """Unanswered, the promise not yet passed, and fewer working minutes left than the setting."""
    return _promise_at_risk(case, calendar, now, settings.breach_warning_working_minutes)


def late_update_due(
    case: Case, calendar: BusinessCalendar, settings: Settings, now: datetime
) -> bool:
    """The customer is told before the old time passes, never after it."""
    return _promise_at_risk(case, calendar, now, settings.late_update_working_minutes)


def _promise_at_risk(case: Case, calendar: BusinessCalendar, now: datetime, minutes: int) -> bool:
    if case.status not in UNANSWERED_STATUSES or case.first_response_at is not None:
        return False
    if case.promised_at <= now:
        return False
    return working_minutes_left(calendar, now, case.promised_at) <= minutes


def check_in_due(case: Case, calendar: BusinessCalendar, settings: Settings, now: datetime) -> bool:
    """Resolved, "Is your problem solved?" not answered, and the working hours have passed."""
    if case.status != "resolved" or case.resolved_at is None:
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


@dataclass(frozen=True)
class DueWork:
    job: str
    case_id: int


def find_due_work(session: Session, settings: Settings, now: datetime) -> list[DueWork]:
    """Every job due at ``now`` that has not been done (a read; the jobs check again)."""
    found: list[DueWork] = []
    unanswered = session.scalars(
        select(Case).where(
            Case.status.in_(UNANSWERED_STATUSES),
            Case.first_response_at.is_(None),
            Case.promised_at > now,
            Case.promised_at <= now + LOOKAHEAD,
            _not_done(LATE_UPDATE, Case.promised_at),
        )
    )
    for case in unanswered:
        calendar = calendar_for(session, case)
        for job, due in ((BREACH_WARNING, warning_due), (LATE_UPDATE, late_update_due)):
            if due(case, calendar, settings, now) and not _done(
                session, case.id, job, case.promised_at
            ):
                found.append(DueWork(job, case.id))
    resolved = session.scalars(
        select(Case).where(
            Case.status == "resolved",
            Case.resolved_at > now - FOLLOW_UP_HORIZON,
            Case.resolved_at <= now,
            or_(Case.feedback_at.is_(None), Case.feedback_at < Case.resolved_at),
            _not_done(CHECK_IN, Case.resolved_at),
        )
    )
    for case in resolved:
        if check_in_due(case, calendar_for(session, case), settings, now):
            assert case.resolved_at is not None
            if not _done(session, case.id, CHECK_IN, case.resolved_at):
                found.append(DueWork(CHECK_IN, case.id))
    waiting = session.scalars(
        select(Case).where(Case.status == "waiting", Case.updated_at > now - FOLLOW_UP_HORIZON)
    )
    for case in waiting:
        since = waiting_since(session, case)
        job = waiting_job_due(case, since, calendar_for(session, case), settings, now)
        if job is not None and not _done(session, case.id, job, since):
            found.append(DueWork(job, case.id))
    return found


def _not_done(job: str, anchor: ColumnElement[datetime]) -> ColumnElement[bool]:
    """In a query over cases: ``job`` has not been done for the case's ``anchor``."""
    return ~(
        select(JobRun.id)
        .where(JobRun.case_id == Case.id, JobRun.job == job, JobRun.anchor == anchor)
        .exists()
    )


def _done(session: Session, case_id: int, job: str, anchor: datetime) -> bool:
    return (
        session.scalar(
            select(JobRun.id).where(
                JobRun.case_id == case_id, JobRun.job == job, JobRun.anchor == anchor
            )
        )
        is not None
    )


def _claim(
    session: Session, case: Case, job: str, anchor: datetime, now: datetime
) -> JobRun | None:
    """Record that ``job`` is done for ``anchor``; None when it already was.

    The insert is flushed at once: on PostgreSQL a concurrent round doing the same work waits here
    for the other transaction and then fails on the unique key, rolling back everything it did.
    """
    if _done(session, case.id, job, anchor):
        return None
    run = JobRun(case_id=case.id, job=job, anchor=anchor, done_at=now)
    session.add(run)
    session.flush()
    return run


def _locked_case(session: Session, case_id: int) -> Case | None:
    """The case, locked against concurrent rounds and agents until the transaction ends."""
    return session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# -- the jobs -------------------------------------------------------------------------------------


def warn_agents(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Email the assignee (else the team address, else every active agent) that the case's
    promise is about to be broken; once per promise. Returns whether anything was done."""
    case = _locked_case(session, case_id)
    if case is None:
        return False
    calendar = calendar_for(session, case)
    if not warning_due(case, calendar, settings, now):
        return False
    run = _claim(session, case, BREACH_WARNING, case.promised_at, now)
    if run is None:
        return False
    minutes = max(1, round(working_minutes_left(calendar, now, case.promised_at)))
    for name, address in warning_recipients(session, case, settings):
        row = outbox.enqueue(
            session,
            kind=MAIL_AT_RISK,
            recipient=address,
            lang=case.lang,
            case_id=case.id,
            payload={"staff_name": name, "due": case.promised_at.isoformat(), "minutes": minutes},
            settings=settings,
        )
        run.outbox_id = run.outbox_id or row.id
    return True


def warning_recipients(session: Session, case: Case, settings: Settings) -> list[tuple[str, str]]:
    """(name, address) to warn: the assignee if active, else the team, else every active agent."""
    if case.assignee_id is not None:
        assignee = session.get(StaffUser, case.assignee_id)
        if assignee is not None and assignee.active:
            return [(assignee.name, assignee.email)]
    if settings.agents_team_email.strip():
        return [("", settings.agents_team_email.strip())]
    agents = session.scalars(
        select(StaffUser)
        .join(StaffRole, StaffRole.user_id == StaffUser.id)
        .where(StaffRole.role == AGENT, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    )
    return [(a.name, a.email) for a in agents]


def tell_customer_late(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Move the promise to an honest new time, say so on the timeline and by email; once per
    promise, and only while the old one has not passed. The first promise is kept in
    ``original_promised_at`` for the promise-kept rate."""
    case = _locked_case(session, case_id)
    if case is None:
        return False
    calendar = calendar_for(session, case)
    if not late_update_due(case, calendar, settings, now):
        return False
    old = case.promised_at
    run = _claim(session, case, LATE_UPDATE, old, now)
    if run is None:
        return False
    new = new_promise(session, case, calendar, settings, now)
    if case.original_promised_at is None:
        case.original_promised_at = old
    case.promised_at = new
    if case.promised_work_s is not None:  # the working time now promised, pauses left out
        later = calendar.working_time_between(old, new)
        case.promised_work_s += int(later.total_seconds())
    case.updated_at = now
    event = add_event(
        session,
        case,
        PROMISE_MOVED,
        now,
        public=True,
        data={"from": old.isoformat(), "to": new.isoformat()},
    )
    run.outbox_id = email_customer(session, case, MAIL_PROMISE_MOVED, settings, event).id
    return True


def new_promise(
    session: Session, case: Case, calendar: BusinessCalendar, settings: Settings, now: datetime
) -> datetime:
    """Now plus the margin plus the time the queue ahead of this case takes at the recent rate.

    "Ahead" are the unanswered cases promised earlier; the rate is first responses per working
    hour over the last week (``promise.count_backlog``; at least one an hour). The result is
    always later than the old promise, by at least the margin.
    """
    margin = timedelta(minutes=settings.late_update_margin_working_minutes)
    ahead = session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.status.in_(UNANSWERED_STATUSES),
            Case.first_response_at.is_(None),
            Case.promised_at < case.promised_at,
            Case.id != case.id,
        )
    )
    rate = max(MIN_THROUGHPUT_PER_HOUR, count_backlog(session, calendar, now).per_hour or 0.0)
    queue = min(MAX_QUEUE_ALLOWANCE, timedelta(hours=(ahead or 0) / rate))
    due = calendar.add_working_time(now, margin + queue)
    if due > case.promised_at:
        return due
    return calendar.add_working_time(case.promised_at, margin)


def send_check_in(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Ask "Is your problem solved?" again when the customer has not answered; once per
    resolution."""
    case = _locked_case(session, case_id)
    if case is None:
        return False
    if not check_in_due(case, calendar_for(session, case), settings, now):
        return False
    assert case.resolved_at is not None
    event = _latest_event(session, case, RESOLVED)
    if event is None:
        return False
    run = _claim(session, case, CHECK_IN, case.resolved_at, now)
    if run is None:
        return False
    run.outbox_id = email_customer(session, case, MAIL_CHECK_IN, settings, event).id
    return True


def follow_up_wait(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Remind a customer we are waiting on, or close the case with a notice when the wait is
    over; each once per wait."""
    case = _locked_case(session, case_id)
    if case is None:
        return False
    since = waiting_since(session, case)
    job = waiting_job_due(case, since, calendar_for(session, case), settings, now)
    if job is None:
        return False
    run = _claim(session, case, job, since, now)
    if run is None:
        return False
    if job == WAITING_REMINDER:
        event = _latest_event(session, case, STATUS_CHANGED) or _latest_event(session, case)
        if event is None:
            return False
        close = timedelta(hours=settings.waiting_close_after_working_hours)
        close_at = calendar_for(session, case).add_working_time(since, close)
        row = email_customer(
            session, case, MAIL_WAITING, settings, event, close_at=close_at.isoformat()
        )
        run.outbox_id = row.id
        return True
    event = set_status(session, case, "closed", now, author="", public=True, kind=AUTO_CLOSED)
    case.needs_attention = False
    case.updated_at = now
    run.outbox_id = email_customer(session, case, MAIL_AUTO_CLOSED, settings, event).id
    return True


def email_customer(
    session: Session,
    case: Case,
    kind: str,
    settings: Settings,
    event: CaseEvent,
    **extra: str,
) -> OutboxMessage:
    """Queue ``kind`` to the customer in the case's thread, as ``case_steps.email_customer``
    does, with ``extra`` values for the message in its payload."""
    access = first_access(session, case, settings)
    return outbox.enqueue(
        session,
        kind=kind,
        recipient=case.email,
        lang=case.lang,
        case_id=case.id,
        payload={
            "access_id": access.id,
            "event_id": event.id,
            **thread_headers(session, case),
            **extra,
        },
        settings=settings,
    )


def _latest_event(session: Session, case: Case, kind: str | None = None) -> CaseEvent | None:
    """The latest public event (of ``kind``): the one a message about the case refers to."""
    query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.public.is_(True))
    if kind is not None:
        query = query.where(CaseEvent.kind == kind)
    return session.scalar(query.order_by(CaseEvent.id.desc()).limit(1))


Job = Callable[[Session, int, Settings, datetime], bool]

JOBS: dict[str, Job] = {
    BREACH_WARNING: warn_agents,
    LATE_UPDATE: tell_customer_late,
    CHECK_IN: send_check_in,
    WAITING_REMINDER: follow_up_wait,
    AUTO_CLOSE: follow_up_wait,
}


def measured_promise(case: Case) -> datetime:
    """The promise the promise-kept rate compares the first response with: the first one made."""
    return case.original_promised_at or case.promised_at
