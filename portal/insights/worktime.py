"""Working time to first response and to resolution, measured once per case and kept on it.

Percentiles over hundreds of thousands of cases must come from SQL, and working time depends on
business calendars (opening hours, holidays) that SQL does not know. So each case's working
durations are measured in Python from its language's calendar and stored on the case
(``first_response_work_s``, ``resolution_work_s``); the insights page measures what is missing
in its window before it aggregates. A case resolved again after a reopen is measured again
(``resolution_work_at`` remembers which resolution was measured).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.sla.calendars import BusinessCalendar
from portal.sla.policies import load_sla

BATCH = 5000


def calendars(session: Session) -> Callable[[str], BusinessCalendar]:
    """The business calendar for a case's language (holidays and opening hours included)."""
    return load_sla(session).calendar_for


def _seconds(calendar: BusinessCalendar, start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return int(calendar.working_time_between(start, end).total_seconds())


def measure_working_times(session: Session, *, since: datetime, limit: int = BATCH) -> int:
    """Measure cases created since ``since`` whose durations are missing or out of date;
    returns how many were measured (at most ``limit``, the oldest first)."""
    stale = or_(
        and_(Case.first_response_at.is_not(None), Case.first_response_work_s.is_(None)),
        and_(
            Case.resolved_at.is_not(None),
            or_(Case.resolution_work_at.is_(None), Case.resolution_work_at != Case.resolved_at),
        ),
    )
    rows = session.execute(
        select(Case.id, Case.lang, Case.created_at, Case.first_response_at, Case.resolved_at)
        .where(Case.created_at >= since, stale)
        .order_by(Case.created_at)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    calendar_for = calendars(session)
    table = Case.__table__
    values = []
    for case_id, lang, created_at, first_response_at, resolved_at in rows:
        calendar = calendar_for(lang)
        values.append(
            {
                "case_id": case_id,
                "first": _seconds(calendar, created_at, first_response_at),
                "resolution": _seconds(calendar, created_at, resolved_at),
                "measured_for": resolved_at,
            }
        )
    session.execute(
        table.update()
        .where(table.c.id == bindparam("case_id"))
        .values(
            first_response_work_s=bindparam("first"),
            resolution_work_s=bindparam("resolution"),
            resolution_work_at=bindparam("measured_for", type_=table.c.resolved_at.type),
            updated_at=table.c.updated_at,  # measuring is not a change to the case
        ),
        values,
    )
    return len(values)
