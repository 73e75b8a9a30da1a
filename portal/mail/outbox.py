"""Queueing email in the caller's transaction, and the row-level bookkeeping of delivering it.

A message is a row first: ``enqueue`` writes it beside the change it reports, so a crash or an SMTP
outage can delay an email but never lose it. The worker claims due rows with a lease
(``claim_due``) and records each outcome (``record_sent`` / ``record_failure``).
"""

from __future__ import annotations

import random
import re
import secrets
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.db.changes import announce
from portal.mail.models import OutboxMessage
from portal.settings import Settings

PENDING, SENT, SUPPRESSED, FAILED = "pending", "sent", "suppressed", "failed"
# New mail is announced here on PostgreSQL, for workers in other processes (``WriteWatch``).
CHANNEL = "portal_outbox"

# Automatic customer mail that someone else could trigger by typing a victim's address: capped per
# recipient and per kind (``Settings.max_acks_per_recipient_per_day``).
CAPPED_KINDS = frozenset({"acknowledgement", "case_link"})

# Mailboxes that are themselves automatic: answering them risks a mail loop (RFC 3834 §2).
ROBOT_MAILBOXES_ANYWHERE = frozenset({"postmaster", "mailer-daemon"})
# On the portal's own domain, these are the portal talking to itself.
ROBOT_MAILBOXES_OWN_DOMAIN = frozenset(
    {"noreply", "no-reply", "donotreply", "do-not-reply", "bounce", "bounces", "mailer", "auto"}
)

BACKOFF_CAP = timedelta(seconds=30)
PERMANENT_FAILURES_BEFORE_GIVING_UP = 3

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def recipient_key(address: str) -> str:
    """The address as counted for the daily limit: lower case, without a ``+tag``.

    Most providers deliver ``Anna+1@Example.com`` to ``anna@example.com``, so a flood must not
    escape the limit by varying case or sub-address.
    """
    local, _, domain = address.strip().lower().rpartition("@")
    if not local:
        return domain
    return f"{local.split('+', 1)[0]}@{domain}"


def sender_address(settings: Settings) -> str:
    """The bare address of ``settings.mail_from`` (``Svar <noreply@x>`` → ``noreply@x``)."""
    return _bare_address(settings.mail_from)


@lru_cache(maxsize=16)
def _bare_address(mail_from: str) -> str:
    # Remembered: every complaint asks twice (its Message-ID and the mail-loop check).
    return parseaddr(mail_from)[1] or "noreply@svar.localhost"


def new_message_id(settings: Settings) -> str:
    domain = sender_address(settings).rpartition("@")[2] or "svar.localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def suppression_reason(
    session: Session | Connection, *, kind: str, address: str, settings: Settings, now: datetime
) -> str:
    """Why an automatic message to ``address`` must not go out, or "" when it may."""
    if not address or _CONTROL.search(address) or address.count("@") != 1:
        return "not a deliverable address"
    local, _, domain = address.rpartition("@")
    if not local or not domain:
        return "not a deliverable address"
    local, domain = local.lower(), domain.lower()
    mailbox = local.split("+", 1)[0]
    if mailbox in ROBOT_MAILBOXES_ANYWHERE:
        return f"{mailbox}@ is an automatic mailbox (mail loop)"
    own_local, _, own_domain = sender_address(settings).lower().rpartition("@")
    if domain == own_domain and (
        mailbox == own_local.split("+", 1)[0] or mailbox in ROBOT_MAILBOXES_OWN_DOMAIN
    ):
        return "the portal's own address (mail loop)"
    if kind in CAPPED_KINDS:
        limit = settings.max_acks_per_recipient_per_day
        sent = session.execute(
            _SENT_TO_RECIPIENT,
            {"key": recipient_key(address), "since": now - timedelta(hours=24), "kind": kind},
        ).scalar()
        if (sent or 0) >= limit:
            return f"daily limit of {limit} {kind} messages to this address reached"
    return ""


_OUTBOX = OutboxMessage.__table__
# Built once: this check runs for every complaint. The index on (recipient_key, created_at)
# finds the day's messages to one address.
_SENT_TO_RECIPIENT = (
    select(func.count())
    .select_from(_OUTBOX)
    .where(
        _OUTBOX.c.recipient_key == bindparam("key"),
        _OUTBOX.c.created_at >= bindparam("since"),
        _OUTBOX.c.kind == bindparam("kind"),
        _OUTBOX.c.status != SUPPRESSED,
    )
)
_INSERT = insert(_OUTBOX)


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    lang: str,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
    settings: Settings,
) -> OutboxMessage:
    """Queue one email in the caller's transaction (never commits).

    Mail that must not go out (loops, floods, undeliverable addresses) is stored as
    ``suppressed`` with the reason in ``last_error``; the caller's change is kept either way.
    After the commit, call ``services.outbox_changed()`` so delivery starts at once.
    """
    values = _message_values(
        session.connection(), kind, recipient, lang, case_id, payload, settings
    )
    row = OutboxMessage(**values)
    session.add(row)
    session.flush()
    if row.status == PENDING:
        announce(session.connection(), CHANNEL)
    return row


def enqueue_quickly(
    connection: Connection,
    *,
    kind: str,
    recipient: str,
    lang: str,
    case_id: int | None = None,
    payload: dict[str, Any] | None = None,
    settings: Settings,
) -> str:
    """``enqueue`` as one plain ``INSERT`` on the transaction's connection; returns the status.

    For the busiest path (every complaint's acknowledgement), where building an ORM object and
    flushing it costs more than the insert itself. The same rules apply.
    """
    values = _message_values(connection, kind, recipient, lang, case_id, payload, settings)
    connection.execute(_INSERT, values)
    if values["status"] == PENDING:
        announce(connection, CHANNEL)
    return str(values["status"])


def _message_values(
    connection: Connection | Session,
    kind: str,
    recipient: str,
    lang: str,
    case_id: int | None,
    payload: dict[str, Any] | None,
    settings: Settings,
) -> dict[str, Any]:
    now = utcnow()
    address = recipient.strip()
    reason = suppression_reason(connection, kind=kind, address=address, settings=settings, now=now)
    return {
        "created_at": now,
        "kind": kind,
        "case_id": case_id,
        "recipient": address[:320],
        "recipient_key": recipient_key(address)[:320],
        "lang": lang,
        "message_id": new_message_id(settings),
        "payload": dict(payload or {}),
        "status": SUPPRESSED if reason else PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "locked_until": None,
        "sent_at": None,
        "last_error": reason,
        "subject": "",
    }


# -- delivery bookkeeping (used by the worker) ----------------------------------------------------


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Lease up to ``limit`` due rows to the caller; returns their ids.

    On PostgreSQL the rows are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent workers pick
    disjoint rows; on SQLite the write transaction holds the database lock while the lease is set.
    A worker that dies leaves its rows to others once ``locked_until`` has passed.
    """
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.next_attempt_at <= now,
                (OutboxMessage.locked_until.is_(None)) | (OutboxMessage.locked_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(locked_until=now + lease)
            .execution_options(synchronize_session=False)
        )
    return ids


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s … capped at 30 s (with a little jitter so workers do not retry in step)."""
    seconds = min(BACKOFF_CAP.total_seconds(), 2.0 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(0.8, 1.0))


def record_sent(session: Session, sent: list[tuple[int, str]], *, now: datetime) -> None:
    """The server accepted these messages (``(id, subject)`` pairs): sent, never claimed again.

    One statement executed for the whole batch, as a worker records a batch at a time.
    """
    if sent:
        session.connection().execute(
            _MARK_SENT,
            [
                {"row_id": row_id, "row_subject": subject[:400], "now": now}
                for row_id, subject in sent
            ],
        )


_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.status == PENDING)
    .values(
        status=SENT,
        sent_at=bindparam("now"),
        subject=bindparam("row_subject"),
        attempts=_OUTBOX.c.attempts + 1,
        locked_until=None,
        last_error="",
    )
)


def record_failure(
    session: Session,
    message_id: int,
    *,
    error: str,
    permanent: bool,
    now: datetime,
    subject: str = "",
) -> str:
    """Schedule a retry, or give up (``failed``) after repeated permanent rejections.

    Returns the row's new status. Temporary failures are retried for as long as it takes, so an
    outage delays mail but never drops it.
    """
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status != PENDING:
        return row.status if row else FAILED
    row.attempts += 1
    row.last_error = error[:2000]
    row.locked_until = None
    if subject:
        row.subject = subject[:400]
    if permanent and row.attempts >= PERMANENT_FAILURES_BEFORE_GIVING_UP:
        row.status = FAILED
    else:
        row.next_attempt_at = now + backoff(row.attempts)
    return row.status


def give_up(session: Session, message_id: int, *, error: str, now: datetime) -> None:
    """Nothing left to send (e.g. the case is gone): mark the row failed at once."""
    row = session.get(OutboxMessage, message_id)
    if row is not None and row.status == PENDING:
        row.attempts += 1
        row.status = FAILED
        row.last_error = error[:2000]
        row.locked_until = None


def next_due(session: Session) -> datetime | None:
    """When the earliest pending row can next be claimed (due, and not leased to another worker)."""
    claimable = case(
        (OutboxMessage.locked_until > OutboxMessage.next_attempt_at, OutboxMessage.locked_until),
        else_=OutboxMessage.next_attempt_at,
    )
    return session.scalar(
        select(func.min(type_coerce(claimable, OutboxMessage.next_attempt_at.type))).where(
            OutboxMessage.status == PENDING
        )
    )
