"""No automatic mail to mail robots or to the portal itself, and no flooding someone's inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mail_support import drain, file_case, outbox_rows
from sqlalchemy import select, update

from portal.cases.models import Case
from portal.db.base import utcnow
from portal.mail.models import OutboxMessage
from portal.mail.outbox import enqueue
from portal.mail.transport import DevMailSink
from portal.services import Services


@pytest.mark.parametrize(
    "address",
    [
        "postmaster@example.com",
        "POSTMASTER@Example.org",
        "mailer-daemon@example.net",
        "Mailer-Daemon@mx.example.com",
        "noreply@svar.localhost",  # PORTAL_MAIL_FROM's own address
        "NoReply+loop@SVAR.localhost",
        "no-reply@svar.localhost",
        "bounces@svar.localhost",
    ],
)
def test_no_acknowledgement_to_mail_robots_or_the_portal_itself(
    services: Services, address: str
) -> None:
    queued = file_case(services, email=address)

    assert queued.status == "suppressed"
    [row] = outbox_rows(services)
    assert "mail loop" in row.last_error
    with services.read() as session:  # the complaint itself is kept
        assert session.get(Case, queued.case_id) is not None
    drain(services)
    assert DevMailSink.for_settings(services.settings).latest() == []


@pytest.mark.parametrize(
    "address", ["anna@svar.localhost", "postmaster.anna@example.com", "noreply-fan@example.com"]
)
def test_ordinary_addresses_are_not_mistaken_for_robots(services: Services, address: str) -> None:
    assert file_case(services, email=address).status == "pending"


def test_at_most_a_handful_of_acknowledgements_per_address_per_day(services: Services) -> None:
    limit = services.settings.max_acks_per_recipient_per_day
    spellings = ["anna@example.com", "Anna@Example.com", "ANNA@EXAMPLE.COM", "anna+x@example.com"]
    queued = [file_case(services, email=spellings[n % len(spellings)]) for n in range(limit + 2)]

    assert [q.status for q in queued] == ["pending"] * limit + ["suppressed"] * 2
    assert "daily limit" in outbox_rows(services)[-1].last_error
    with services.read() as session:  # every case is stored
        assert len(session.scalars(select(Case)).all()) == limit + 2
    assert drain(services) == limit
    assert len(DevMailSink.for_settings(services.settings).latest()) == limit
    # Someone else still gets theirs.
    assert file_case(services, email="bob@example.com").status == "pending"


def test_the_daily_limit_counts_the_last_24_hours(services: Services) -> None:
    limit = services.settings.max_acks_per_recipient_per_day
    for _ in range(limit):
        file_case(services)
    with services.write() as session:
        yesterday = utcnow() - timedelta(hours=24, minutes=1)
        session.execute(update(OutboxMessage).values(created_at=yesterday))

    assert file_case(services).status == "pending"


def test_fresh_links_are_limited_separately(services: Services) -> None:
    limit = services.settings.max_acks_per_recipient_per_day
    for _ in range(limit):
        file_case(services)

    assert file_case(services, kind="case_link").status == "pending"


def test_an_address_with_line_breaks_is_never_sent(services: Services) -> None:
    queued = file_case(services, email="anna@example.com\r\nBcc: victim@example.org")

    assert queued.status == "suppressed"
    assert drain(services) == 0


def test_every_message_gets_its_own_message_id(services: Services) -> None:
    with services.write() as session:
        ids = {
            enqueue(
                session,
                kind="acknowledgement",
                recipient=f"c{n}@example.com",
                lang="en",
                settings=services.settings,
            ).message_id
            for n in range(20)
        }
    assert len(ids) == 20
    assert all(i.startswith("<") and i.endswith("@svar.localhost>") for i in ids)


def test_enqueue_leaves_the_transaction_to_the_caller(services: Services) -> None:
    def store_complaint_then_fail() -> None:
        with services.write() as session:
            enqueue(
                session,
                kind="acknowledgement",
                recipient="anna@example.com",
                lang="en",
                settings=services.settings,
            )
            raise RuntimeError("the complaint could not be stored")

    with pytest.raises(RuntimeError):
        store_complaint_then_fail()

    assert outbox_rows(services) == []
