"""What every scheduled job is made of: the case locked, the record that the job was done, the
case's calendar, and the customer's email in the case's thread.

A job (``keeping``, ``follow_ups``) works on one case in the caller's transaction and never
commits. It locks the case, checks again that the work is due, records a ``JobRun`` keyed by case,
job and anchor (``claim``), and queues its email in the same transaction. A second worker, or a
round after a restart, that reaches the same work finds the record — or fails to insert it and
rolls back its email with it — so nothing is ever sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from portal.cases.case_steps import first_access, thread_headers
from portal.cases.models import Case, CaseEvent
from portal.mail import outbox
from portal.mail.models import OutboxMessage
from portal.settings import Settings
from portal.sla.calendars import BusinessCalendar
from portal.sla.job_runs import JobRun
from portal.sla.policies import load_sla

# One job for one case at ``now``: returns whether it did anything.
Job = Callable[[Session, int, Settings, datetime], bool]


@dataclass(frozen=True)
class DueWork:
    job: str
    case_id: int


def calendar_for(session: Session, case: Case) -> BusinessCalendar:
    """The business calendar the case's promise was counted on (its language's if gone)."""
    return load_sla(session).calendar(case.sla_calendar, case.lang)


def not_done(job: str, anchor: ColumnElement[datetime]) -> ColumnElement[bool]:
    """In a query over cases: ``job`` has not been done for the case's ``anchor``."""
    return ~(
        select(JobRun.id)
        .where(JobRun.case_id == Case.id, JobRun.job == job, JobRun.anchor == anchor)
        .exists()
    )


def done(session: Session, case_id: int, job: str, anchor: datetime) -> bool:
    found = session.scalar(
        select(JobRun.id).where(
            JobRun.case_id == case_id, JobRun.job == job, JobRun.anchor == anchor
        )
    )
    return found is not None


def claim(session: Session, case: Case, job: str, anchor: datetime, now: datetime) -> JobRun | None:
    """Record that ``job`` is done for ``anchor``; None when it already was.

    The insert is flushed at once: on PostgreSQL a concurrent round doing the same work waits here
    for the other transaction and then fails on the unique key, rolling back everything it did.
    """
    if done(session, case.id, job, anchor):
        return None
    run = JobRun(case_id=case.id, job=job, anchor=anchor, done_at=now)
    session.add(run)
    session.flush()
    return run


def locked_case(session: Session, case_id: int) -> Case | None:
    """The case, locked against concurrent rounds and agents until the transaction ends."""
    return session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


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


def latest_event(session: Session, case: Case, kind: str | None = None) -> CaseEvent | None:
    """The latest public event (of ``kind``): the one a message about the case refers to."""
    query = select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.public.is_(True))
    if kind is not None:
        query = query.where(CaseEvent.kind == kind)
    return session.scalar(query.order_by(CaseEvent.id.desc()).limit(1))
