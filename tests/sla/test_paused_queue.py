"""The agents' queue while a case waits on the customer: paused, never overdue; its due time
moves on by the working time it waited once the customer answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.cases.case_steps import set_status
from portal.cases.models import Case
from portal.cases.queue import QueueFilter, due_state, load_queue
from portal.cases.reference import new_reference
from portal.sla.calendars import default_calendar

# Monday 2 March 2026, 10:00 in Stockholm.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SE = default_calendar("SE")


def _case(services, status: str, due: timedelta) -> str:
    with services.write() as session:
        case = Case(
            reference=new_reference(),
            status=status,
            lang="sv",
            email="anna@example.com",
            category="product",
            description="Broken.",
            created_at=NOW - timedelta(days=3),
            promised_at=NOW + due,
            sla_calendar="SE",
        )
        session.add(case)
        return case.reference


def _overdue(services) -> set[str]:
    with services.read() as session:
        queue = load_queue(session, QueueFilter(due="overdue"), me=0, now=NOW)
        return {row.reference for row in queue.rows}


def test_a_paused_case_is_not_overdue_and_its_due_time_moves_on(services) -> None:
    late = _case(services, "open", -timedelta(hours=1))
    paused = _case(services, "open", timedelta(hours=1))
    with services.write() as session:
        case = session.scalars(select(Case).where(Case.reference == paused)).one()
        # The agent asks the customer something on Friday 27 February at 16:00.
        asked = datetime(2026, 2, 27, 15, 0, tzinfo=UTC)
        set_status(session, case, "waiting", asked, author="Olle", public=True)
        # Past its promise now, but waiting on the customer: paused, not overdue.
        case.promised_at = NOW - timedelta(hours=2)
        assert due_state(case, NOW) == "paused"
    assert _overdue(services) == {late}

    with services.write() as session:
        case = session.scalars(select(Case).where(Case.reference == paused)).one()
        before = case.promised_at
        set_status(session, case, "open", NOW, author="Anna", public=True)
        # Friday 16:00–17:00 and Monday 08:00–10:00: three working hours of waiting.
        assert case.paused_work_s == 3 * 3600
        assert SE.working_time_between(before, case.promised_at) == timedelta(hours=3)
        assert case.promised_at == NOW + timedelta(hours=1)
        assert due_state(case, NOW) == "soon"
    assert _overdue(services) == {late}
