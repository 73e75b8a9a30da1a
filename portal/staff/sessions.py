"""Signed-in staff sessions, kept in the database.

Signing in always creates a new session (a new random token), so a token planted before sign-in is
worthless. A session ends after ``staff_session_idle_minutes`` without a request, after
``ABSOLUTE_LIFETIME`` in any case, when its owner is deactivated, and when the owner's
``session_epoch`` moves on ("sign out everywhere", a password change or reset).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.services import Services
from portal.staff import accounts
from portal.staff.audit import record_audit
from portal.staff.models import STAGE_FULL, STAGE_SECOND_FACTOR, StaffSession, StaffUser
from portal.staff.time_zones import DEFAULT_TIME_ZONE

ABSOLUTE_LIFETIME = timedelta(hours=12)
SECOND_FACTOR_LIFETIME = timedelta(minutes=5)
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class StaffIdentity:
    """Who is signed in, as route handlers and templates see it (no ORM object leaves a thread)."""

    id: int
    email: str
    display_name: str
    roles: frozenset[str]
    session_id: int
    totp_enabled: bool = False
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def name(self) -> str:
        return self.display_name or self.email

    def has_role(self, *roles: str) -> bool:
        """True when the person holds any of ``roles``."""
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    token: str | None = None
    needs_code: bool = False
    user_id: int | None = None
    # The code could not be checked at all: the stored secret no longer opens (see totp_storage).
    code_unreadable: bool = False


FAILED = SignInResult(ok=False)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _identity(user: StaffUser, row: StaffSession) -> StaffIdentity:
    return StaffIdentity(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        roles=user.roles,
        session_id=row.id,
        totp_enabled=user.totp_enabled,
        time_zone=user.time_zone,
    )


def open_session(
    session: Session, user: StaffUser, *, now: datetime, stage: str = STAGE_FULL, client: str = ""
) -> str:
    """Start a session for ``user`` and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=hash_token(token),
            user_id=user.id,
            stage=stage,
            epoch=user.session_epoch,
            created_at=now,
            last_seen_at=now,
            client_addr=client[:64],
        )
    )
    return token


def _row(session: Session, token: str | None) -> StaffSession | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(select(StaffSession).where(StaffSession.token_hash == hash_token(token)))


def _valid(row: StaffSession, *, now: datetime, idle: timedelta, stage: str) -> bool:
    user = row.user
    if row.stage != stage or not user.active or row.epoch != user.session_epoch:
        return False
    lifetime = SECOND_FACTOR_LIFETIME if stage == STAGE_SECOND_FACTOR else ABSOLUTE_LIFETIME
    return now - row.last_seen_at <= idle and now - row.created_at <= lifetime


def _touch_interval(idle: timedelta) -> timedelta:
    """Record activity at most this often, so a busy page is not a write per request."""
    return max(timedelta(seconds=1), min(timedelta(minutes=1), idle / 10))


def identify(services: Services, token: str | None, *, now: datetime) -> StaffIdentity | None:
    """The signed-in person behind a cookie, or None; keeps the session alive while in use."""
    idle = timedelta(minutes=services.settings.staff_session_idle_minutes)
    with services.read() as session:
        row = _row(session, token)
        if row is None or row.stage != STAGE_FULL:  # half-way through signing in opens nothing
            return None
        if not _valid(row, now=now, idle=idle, stage=STAGE_FULL):
            stale_id: int | None = row.id
            identity = None
        else:
            stale_id = None
            identity = _identity(row.user, row)
            if now - row.last_seen_at < _touch_interval(idle):
                return identity
    with services.write() as session:
        if stale_id is not None:
            session.execute(delete(StaffSession).where(StaffSession.id == stale_id))
            return None
        row = session.get(StaffSession, identity.session_id)  # type: ignore[union-attr]
        if row is None:  # signed out by another request meanwhile
            return None
        row.last_seen_at = max(row.last_seen_at, now)
    return identity


def end_session(session: Session, token: str | None) -> StaffSession | None:
    row = _row(session, token)
    if row is not None:
        session.delete(row)
    return row


# -- signing in and out -------------------------------------------------------------------------


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    now: datetime,
    client: str = "",
    previous_token: str | None = None,
) -> SignInResult:
    """Check the password; open a full session, or a second-factor one when TOTP is on.

    Whatever session the browser had before is ended: the new one has a fresh token.
    """
    user = accounts.authenticate(session, email, password)
    if user is None:
        # Recorded for unknown addresses too (without the address: people type passwords into
        # the wrong field), so both cases do the same work and admins see attacks by client.
        known = accounts.user_by_email(session, email) if email else None
        record_audit(session, None, "sign_in.failed", known, client=client, at=now)
        return FAILED
    end_session(session, previous_token)
    if user.totp_enabled:
        token = open_session(session, user, now=now, stage=STAGE_SECOND_FACTOR, client=client)
        return SignInResult(ok=True, token=token, needs_code=True, user_id=user.id)
    return _complete(session, user, now=now, client=client)


def _complete(session: Session, user: StaffUser, *, now: datetime, client: str) -> SignInResult:
    user.last_login_at = now
    token = open_session(session, user, now=now, client=client)
    record_audit(session, user, "sign_in", user, client=client, at=now)
    return SignInResult(ok=True, token=token, user_id=user.id)


def pending_second_factor(
    session: Session, token: str | None, *, now: datetime, idle: timedelta
) -> StaffUser | None:
    """The person half-way through signing in (password right, code still to come)."""
    row = _row(session, token)
    if row is None or not _valid(row, now=now, idle=idle, stage=STAGE_SECOND_FACTOR):
        return None
    return row.user


def complete_second_factor(
    session: Session,
    token: str | None,
    code: str,
    *,
    now: datetime,
    idle: timedelta,
    secret_key: str,
    client: str = "",
) -> SignInResult:
    """A right code turns the half-way session into a full one, under a new token."""
    user = pending_second_factor(session, token, now=now, idle=idle)
    if user is None:
        return FAILED
    if accounts.totp_unreadable(user, secret_key=secret_key):
        record_audit(
            session,
            None,
            "sign_in.failed",
            user,
            {"reason": "code_unreadable"},
            client=client,
            at=now,
        )
        return SignInResult(ok=False, user_id=user.id, code_unreadable=True)
    if not accounts.verify_totp(user, code, now, secret_key=secret_key):
        record_audit(
            session, None, "sign_in.failed", user, {"reason": "code"}, client=client, at=now
        )
        return SignInResult(ok=False, user_id=user.id)
    end_session(session, token)
    return _complete(session, user, now=now, client=client)


def sign_out(session: Session, token: str | None, *, now: datetime, client: str = "") -> None:
    row = end_session(session, token)
    if row is not None and row.stage == STAGE_FULL:
        record_audit(session, row.user, "sign_out", row.user, client=client, at=now)


def sign_out_everywhere(
    session: Session, identity: StaffIdentity, *, now: datetime, client: str = ""
) -> None:
    user = session.get(StaffUser, identity.id)
    if user is None:
        return
    accounts.end_all_sessions(session, user)
    record_audit(session, identity, "sign_out_everywhere", user, client=client, at=now)
