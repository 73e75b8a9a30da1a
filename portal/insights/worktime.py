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

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.cases.models import UNMEASURED_RESOLUTION, UNMEASURED_RESPONSE, Case
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


def measure_working_times(
    session: Session, *, since: datetime, limit: int = BATCH, created: list[datetime] | None = None
) -> int:
    """Measure cases created since ``since`` whose durations are missing or out of date;
    returns how many were measured (at most ``limit``, the oldest first) and adds their
    creation times to ``created`` when given."""
    columns = (Case.id, Case.lang, Case.created_at, Case.first_response_at, Case.resolved_at)
    # Two narrow queries, each matching a partial index (see ``cases.models``), instead of one
    # OR that would read every case of the window.
    rows = session.execute(
        select(*columns)
        .where(Case.created_at >= since, UNMEASURED_RESPONSE)
        .order_by(Case.created_at)
        .limit(limit)
    ).all()
    rows += session.execute(
        select(*columns)
        .where(Case.created_at >= since, UNMEASURED_RESOLUTION, ~UNMEASURED_RESPONSE)
        .order_by(Case.created_at)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    calendar_for = calendars(session)
    table = Case.__table__
    values = []
    for case_id, lang, created_at, first_response_at, resolved_at in rows:
        if created is not None:
            created.append(created_at)
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
