"""Helpers for the promise-keeping tests: cases stored with a chosen promise, agents, and the
scheduler's rounds at a fixed moment."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal.cases.access import grant_access
from portal.cases.models import Case, CaseEvent
from portal.cases.reference import new_reference
from portal.mail.models import OutboxMessage
from portal.mail.outbox import enqueue
from portal.services import Services
from portal.staff import accounts

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OSLO = ZoneInfo("Europe/Oslo")
PASSWORD = "correct horse battery staple 42"


def local(text: str, tz: ZoneInfo = STOCKHOLM) -> datetime:
    """``"2026-11-24 11:45"`` on the wall clock of ``tz``, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def store_case(
    services: Services,
    *,
    created: datetime,
    promised: datetime,
    lang: str = "sv",
    email: str = "anna@example.com",
    name: str = "Anna Svensson",
    status: str = "new",
    assignee_id: int | None = None,
) -> tuple[int, str, str]:
    """A case as intake stores it, with its acknowledgement queued; (id, reference, token)."""
    with services.write() as session:
        case = Case(
            reference=new_reference(),
            lang=lang,
            email=email,
            name=name,
            category="product",
            description="The lamp arrived broken.",
            status=status,
            created_at=created,
            updated_at=created,
            promised_at=promised,
            assignee_id=assignee_id,
        )
        session.add(case)
        session.flush()
        session.add(CaseEvent(case_id=case.id, created_at=created, kind="submitted", public=True))
        access, token = grant_access(session, case, services.settings.secret_key)
        session.flush()
        enqueue(
            session,
            kind="acknowledgement",
            recipient=email,
            lang=lang,
            case_id=case.id,
            payload={"access_id": access.id},
            settings=services.settings,
        )
        return case.id, case.reference, token


def make_staff(
    services: Services, email: str, name: str, *, roles: tuple[str, ...] = ("agent",)
) -> int:
    with services.write() as session:
        return accounts.create_user(session, email, PASSWORD, list(roles), name).id


def deactivate(services: Services, user_id: int) -> None:
    from portal.staff.models import StaffUser

    with services.write() as session:
        user = session.get(StaffUser, user_id)
        assert user is not None
        user.active = False


def load(services: Services, case_id: int) -> Case:
    with services.read() as session:
        case = session.scalar(select(Case).where(Case.id == case_id))
        assert case is not None
        session.expunge(case)
        return case


def kinds(services: Services, case_id: int) -> list[str]:
    """Every queued or sent email of the case, by kind, in order."""
    with services.read() as session:
        return list(
            session.scalars(
                select(OutboxMessage.kind)
                .where(OutboxMessage.case_id == case_id)
                .order_by(OutboxMessage.id)
            )
        )


def events(services: Services, case_id: int) -> list[CaseEvent]:
    with services.read() as session:
        found = list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )
        session.expunge_all()
        return found


def to(message: EmailMessage) -> str:
    return message["To"].addresses[0].addr_spec
