"""Helpers for the email tests: a case stored directly, as intake does, with its mail queued."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser

from sqlalchemy import select

from portal.cases.access import grant_access
from portal.cases.models import Attachment, Case
from portal.cases.reference import new_reference
from portal.mail.models import OutboxMessage
from portal.mail.outbox import enqueue
from portal.mail.worker import OutboxWorker
from portal.services import Services
from portal.sla.promise import target_promise


@dataclass
class QueuedCase:
    case_id: int
    reference: str
    outbox_id: int
    message_id: str
    status: str


def file_case(
    services: Services,
    *,
    email: str = "anna@example.com",
    lang: str = "en",
    kind: str = "acknowledgement",
    name: str = "Anna Svensson",
    category: str = "billing",
    desired_outcome: str = "refund",
    order_ref: str = "A-1001",
    description: str = "The invoice charges me twice for the same order.",
    attachments: int = 0,
) -> QueuedCase:
    """Store a case, its status link and its queued email in one transaction."""
    settings = services.settings
    with services.write() as session:
        now = datetime.now(UTC)
        case = Case(
            reference=new_reference(),
            lang=lang,
            email=email,
            name=name,
            category=category,
            desired_outcome=desired_outcome,
            order_ref=order_ref,
            description=description,
            promised_at=target_promise(category, now).due,
        )
        session.add(case)
        session.flush()
        for n in range(attachments):
            session.add(
                Attachment(
                    case_id=case.id,
                    filename=f"photo-{n}.jpg",
                    content_type="image/jpeg",
                    size=1000,
                    sha256="0" * 64,
                    storage_key=f"{case.reference}-{n}",
                )
            )
        access, _token = grant_access(session, case, settings.secret_key)
        session.flush()
        row = enqueue(
            session,
            kind=kind,
            recipient=email,
            lang=lang,
            case_id=case.id,
            payload={"access_id": access.id},
            settings=settings,
        )
        queued = QueuedCase(case.id, case.reference, row.id, row.message_id, row.status)
    services.outbox_changed()
    return queued


def outbox_row(services: Services, outbox_id: int) -> OutboxMessage:
    with services.read() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row


def outbox_rows(services: Services) -> list[OutboxMessage]:
    with services.read() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def drain(services: Services) -> int:
    return asyncio.run(OutboxWorker(services).drain())


def parts(message: EmailMessage) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_html(html: str) -> tuple[list[str], str, list[str]]:
    """(link targets, visible text with whitespace collapsed, tag names) of an HTML document."""
    parser = _Links()
    parser.feed(html)
    return parser.hrefs, " ".join(" ".join(parser.text).split()), parser.tags
