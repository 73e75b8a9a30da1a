"""Cases made by hand for the case-desk tests: known due times, statuses and assignees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.cases.models import Case, CaseEvent
from portal.cases.reference import new_reference
from portal.services import Services

# Monday 2 March 2026, 10:00 in Stockholm: inside opening hours (08–17).
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_case(services: Services, *, due: timedelta, **fields: Any) -> str:
    """A case whose promise is ``NOW + due``; returns its reference."""
    values: dict[str, Any] = {
        "reference": new_reference(),
        "status": "new",
        "lang": "en",
        "email": "anna@example.com",
        "name": "Anna Berg",
        "category": "product",
        "description": "The lamp arrived broken.",
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW - timedelta(hours=1),
        "promised_at": NOW + due,
    }
    values.update(fields)
    with services.write() as session:
        case = Case(**values)
        session.add(case)
        session.flush()
        session.add(
            CaseEvent(case_id=case.id, created_at=case.created_at, kind="submitted", body="")
        )
        return case.reference
