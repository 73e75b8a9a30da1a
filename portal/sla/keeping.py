"""Keeping the first-response promise: agents are warned once before it is broken, and the
customer is told an honest new time, once, before the old one passes — never silence.

Thresholds are working minutes on the case's calendar (``breach_warning_working_minutes``,
``late_update_working_minutes``), so a promise does not run out at night. Each job is done once
per promise instant (see ``sla.jobs``); a moved promise is a new promise.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.case_steps import add_event
from portal.cases.models import Case
from portal.mail import outbox
from portal.settings import Settings
from portal.sla import words
from portal.sla.calendars import BusinessCalendar
from portal.sla.jobs import (
    DueWork,
    Job,
    calendar_for,
    claim,
    done,
    email_customer,
    locked_case,
    not_done,
)
from portal.sla.promise import count_backlog
from portal.staff.models import AGENT, StaffRole, StaffUser

# Jobs, as recorded in ``JobRun.job``.
BREACH_WARNING = "breach_warning"
LATE_UPDATE = "late_update"

# Public timeline events the scheduler writes (titles in ``cases.pages.EVENT_TEXT``): a moved
# promise here, an automatic closing in ``follow_ups``.
PROMISE_MOVED = "promise_moved"
AUTO_CLOSED = "auto_closed"

# Mail kinds (``portal.mail.keeping_mail``).
MAIL_AT_RISK = "promise_at_risk"
MAIL_PROMISE_MOVED = "promise_moved"

UNANSWERED_STATUSES = ("new", "open")
# Promises further away than this (in calendar time) are never within a warning's reach.
LOOKAHEAD = timedelta(days=30)
# The late update's queue allowance: a case waits behind the unanswered cases promised before it,
# answered at the recent rate (first responses per working hour, as the promise at submission
# counts them), at least this fast, and never more than this much longer.
MIN_THROUGHPUT_PER_HOUR = 1.0
MAX_QUEUE_ALLOWANCE = timedelta(hours=45)


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


def find_promise_work(session: Session, settings: Settings, now: datetime) -> list[DueWork]:
    """Warnings and late updates due at ``now`` and not yet done (a read; the jobs check again)."""
    found: list[DueWork] = []
    unanswered = session.scalars(
        select(Case).where(
            Case.status.in_(UNANSWERED_STATUSES),
            Case.first_response_at.is_(None),
            Case.promised_at > now,
            Case.promised_at <= now + LOOKAHEAD,
            not_done(LATE_UPDATE, Case.promised_at),
        )
    )
    for case in unanswered:
        calendar = calendar_for(session, case)
        for job, due in ((BREACH_WARNING, warning_due), (LATE_UPDATE, late_update_due)):
            if due(case, calendar, settings, now) and not done(
                session, case.id, job, case.promised_at
            ):
                found.append(DueWork(job, case.id))
    return found


# -- the jobs -------------------------------------------------------------------------------------


def warn_agents(session: Session, case_id: int, settings: Settings, now: datetime) -> bool:
    """Email the assignee (else the team address, else every active agent) that the case's
    promise is about to be broken; once per promise. Returns whether anything was done."""
    case = locked_case(session, case_id)
    if case is None:
        return False
    calendar = calendar_for(session, case)
    if not warning_due(case, calendar, settings, now):
        return False
    run = claim(session, case, BREACH_WARNING, case.promised_at, now)
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
    case = locked_case(session, case_id)
    if case is None:
        return False
    calendar = calendar_for(session, case)
    if not late_update_due(case, calendar, settings, now):
        return False
    old = case.promised_at
    run = claim(session, case, LATE_UPDATE, old, now)
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
    per_hour = count_backlog(session, calendar, now).per_hour
    return later_promise(calendar, now, case.promised_at, margin, ahead or 0, per_hour)


def later_promise(
    calendar: BusinessCalendar,
    now: datetime,
    old: datetime,
    margin: timedelta,
    ahead: int,
    per_hour: float | None,
) -> datetime:
    """The new time (pure): ``now`` + ``margin`` + ``ahead`` cases at ``per_hour`` (at least
    ``MIN_THROUGHPUT_PER_HOUR``; the queue part at most ``MAX_QUEUE_ALLOWANCE``) in working time,
    and never before ``old`` + ``margin``."""
    rate = max(MIN_THROUGHPUT_PER_HOUR, per_hour or 0.0)
    queue = min(MAX_QUEUE_ALLOWANCE, timedelta(hours=ahead / rate))
    due = calendar.add_working_time(now, margin + queue)
    if due > old:
        return due
    return calendar.add_working_time(old, margin)


JOBS: dict[str, Job] = {BREACH_WARNING: warn_agents, LATE_UPDATE: tell_customer_late}


def moved_to(data: dict[str, object]) -> datetime | None:
    """The new time of a ``PROMISE_MOVED`` event (None if its data is not a time)."""
    value = data.get("to")
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def deadline_words(moment: datetime, tz: tzinfo, lang: str) -> str:
    """ "by Tuesday 25 November at 12:00" in ``tz``: a moved promise in the words of
    ``sla.words.describe``."""
    return words.deadline_words(moment.astimezone(tz), lang)


def measured_promise(case: Case) -> datetime:
    """The promise the promise-kept rate compares the first response with: the first one made."""
    return case.original_promised_at or case.promised_at
