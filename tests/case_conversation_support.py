"""Helpers for the conversation tests: a complaint stored as intake stores it, and an agent."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.cases.intake import ComplaintInput, submit_complaint
from portal.cases.models import Case
from portal.services import Services
from portal.staff import accounts
from portal.staff.models import StaffUser

AGENT_PASSWORD = "correct horse battery staple 42"


def complain(
    services: Services,
    *,
    lang: str = "en",
    name: str = "Anna Svensson",
    description: str = "The lamp arrived broken.",
    now: datetime | None = None,
) -> tuple[int, str, str]:
    """Store a complaint through intake; returns (case id, reference, status-link token)."""
    with services.write() as session:
        submission = submit_complaint(
            session,
            ComplaintInput(
                email="anna@example.com",
                description=description,
                name=name,
                category="product",
                lang=lang,
            ),
            [],
            services.settings,
            now or datetime.now(UTC),
        )
    return submission.case_id, submission.reference, submission.token


def make_agent(
    services: Services, email: str = "maria@example.com", name: str = "Maria Berg"
) -> int:
    with services.write() as session:
        return accounts.create_user(session, email, AGENT_PASSWORD, ["agent"], name).id


def agent(session, agent_id: int) -> StaffUser:  # type: ignore[no-untyped-def]
    user = session.get(StaffUser, agent_id)
    assert user is not None
    return user


def load_case(session, case_id: int) -> Case:  # type: ignore[no-untyped-def]
    case = session.scalar(select(Case).where(Case.id == case_id))
    assert case is not None
    return case
