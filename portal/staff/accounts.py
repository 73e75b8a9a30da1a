"""Staff accounts: creation, passwords (argon2id), sign-in checks, roles, activation, TOTP.

Every operation that changes an account writes its audit entry in the same transaction, so the
browser and the command line leave the same trail. Messages are marked with ``N_`` and carry the
form field they belong to; the web layer translates them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.db.base import utcnow
from portal.i18n import N_
from portal.staff import totp, totp_storage
from portal.staff.audit import Actor, record_audit
from portal.staff.models import ADMIN, ROLES, StaffRole, StaffSession, StaffUser
from portal.staff.time_zones import TIME_ZONES

# RFC 9106's second recommended profile: argon2id, 64 MiB, 3 passes, 4 lanes. Hashes made with
# other parameters are upgraded at the next successful sign-in.
HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


class AccountError(ValueError):
    """A change that cannot be made, with the form field it concerns and a translatable text."""

    def __init__(self, field: str, message: str, **variables: Any) -> None:
        super().__init__(message % variables if variables else message)
        self.field = field
        self.message = message
        self.variables = variables


# -- checks -------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str:
    """The address as stored (lower-cased), or an error for the ``email`` field."""
    cleaned = normalise_email(email)
    if not cleaned:
        raise AccountError("email", N_("Enter the person's email address."))
    try:
        validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(
            "email", N_("Enter an email address in the form name@example.com.")
        ) from exc
    return cleaned


def check_password(password: str, email: str = "", field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            field,
            N_("The password must be at least %(min)s characters long."),
            min=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(
            field,
            N_("The password must be at most %(max)s characters long."),
            max=MAX_PASSWORD_LENGTH,
        )
    if email and normalise_email(password) == normalise_email(email):
        raise AccountError(field, N_("The password must not be the email address."))
    if len(set(password)) < 4:
        raise AccountError(field, N_("The password must not repeat the same few characters."))


def check_roles(roles: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(r.strip().lower() for r in roles if r and r.strip())
    unknown = sorted(chosen - set(ROLES))
    if unknown:
        raise AccountError(
            "roles",
            N_("Unknown role %(role)s; choose from admin, editor and agent."),
            role=unknown[0],
        )
    if not chosen:
        raise AccountError("roles", N_("Choose at least one role."))
    return chosen


# -- reading ------------------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id)


def user_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def users_with_role(session: Session, role: str, *, active_only: bool = True) -> list[StaffUser]:
    """Everyone holding ``role`` (e.g. the agents a case can be assigned to)."""
    query = select(StaffUser).join(StaffRole).where(StaffRole.role == role)
    if active_only:
        query = query.where(StaffUser.active.is_(True))
    return list(session.scalars(query.order_by(StaffUser.display_name, StaffUser.email)))


# -- passwords ----------------------------------------------------------------------------------


@cache
def _dummy_hash() -> str:
    return HASHER.hash("not a real password, only here to spend the same time")


def _verify(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active account with this email and password, or None.

    Unknown addresses cost one hash too, so the answer time does not tell whether an account
    exists; inactive accounts are refused after the same work. A hash made with older
    parameters is replaced while the password is at hand.
    """
    user = user_by_email(session, email) if email else None
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    return user


def _set_password(user: StaffUser, password: str) -> None:
    check_password(password, user.email)
    user.password_hash = HASHER.hash(password)


def end_all_sessions(session: Session, user: StaffUser) -> None:
    """Sign ``user`` out on every device: older sessions no longer match the epoch."""
    user.session_epoch += 1
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


# -- changes ------------------------------------------------------------------------------------


def create_user(
    session: Session,
    email: str,
    password: str,
    roles: Iterable[str],
    display_name: str = "",
    *,
    by: Actor | None = None,
    client: str = "",
    now: datetime | None = None,
) -> StaffUser:
    """A new active account; every problem is an ``AccountError`` naming its field."""
    address = check_email(email)
    chosen = check_roles(roles)
    display_name = display_name.strip()[:200]
    check_password(password, address)
    if user_by_email(session, address) is not None:
        raise AccountError("email", N_("A staff account with this email address already exists."))
    user = StaffUser(
        email=address,
        display_name=display_name,
        password_hash=HASHER.hash(password),
        created_at=now or utcnow(),
        role_rows=[StaffRole(role=r) for r in sorted(chosen)],
    )
    session.add(user)
    session.flush()
    record_audit(
        session,
        by,
        "user.create",
        user,
        {"email": address, "roles": sorted(chosen)},
        client=client,
        at=now,
    )
    return user


def ensure_user(
    session: Session,
    email: str,
    password: str,
    roles: Iterable[str],
    display_name: str = "",
) -> tuple[StaffUser, bool]:
    """The account for ``email``, created when missing (demo content); an existing one is kept
    as it is. Returns the account and whether it was created."""
    existing = user_by_email(session, email)
    if existing is not None:
        return existing, False
    return create_user(session, email, password, roles, display_name), True


def _active_admins(session: Session) -> int:
    query = (
        select(func.count())
        .select_from(StaffUser)
        .join(StaffRole)
        .where(StaffRole.role == ADMIN, StaffUser.active.is_(True))
    )
    return int(session.scalar(query) or 0)


def _keep_an_admin(session: Session, user: StaffUser, field: str) -> None:
    """Refuse a change that would leave no active admin to manage the accounts."""
    if user.active and ADMIN in user.roles and _active_admins(session) <= 1:
        raise AccountError(
            field, N_("This is the only active admin; make someone else admin first.")
        )


def update_user(
    session: Session,
    user: StaffUser,
    display_name: str,
    roles: Iterable[str],
    *,
    by: Actor | None,
    client: str = "",
) -> None:
    chosen = check_roles(roles)
    if ADMIN not in chosen:
        _keep_an_admin(session, user, "roles")
    before = {"display_name": user.display_name, "roles": sorted(user.roles)}
    user.display_name = display_name.strip()[:200]
    current = {row.role: row for row in user.role_rows}
    for role in set(current) - chosen:
        user.role_rows.remove(current[role])
    for role in sorted(chosen - set(current)):
        user.role_rows.append(StaffRole(role=role))
    after = {"display_name": user.display_name, "roles": sorted(chosen)}
    if before != after:
        record_audit(
            session, by, "user.update", user, {"before": before, "after": after}, client=client
        )


def set_roles(
    session: Session, user: StaffUser, roles: Iterable[str], *, by: Actor | None, client: str = ""
) -> None:
    update_user(session, user, user.display_name, roles, by=by, client=client)


def deactivate(session: Session, user: StaffUser, *, by: Actor | None, client: str = "") -> None:
    """The person can no longer sign in, and is signed out everywhere at once."""
    if by is not None and by.id == user.id:
        raise AccountError("active", N_("You cannot deactivate your own account."))
    _keep_an_admin(session, user, "active")
    if not user.active:
        return
    user.active = False
    end_all_sessions(session, user)
    record_audit(session, by, "user.deactivate", user, client=client)


def reactivate(session: Session, user: StaffUser, *, by: Actor | None, client: str = "") -> None:
    if user.active:
        return
    user.active = True
    record_audit(session, by, "user.reactivate", user, client=client)


def reset_password(
    session: Session, user: StaffUser, password: str, *, by: Actor | None, client: str = ""
) -> None:
    """An admin sets a new password; the person is signed out everywhere."""
    _set_password(user, password)
    end_all_sessions(session, user)
    record_audit(session, by, "user.password_reset", user, client=client)


def change_own_password(
    session: Session, user: StaffUser, current: str, new: str, *, client: str = ""
) -> None:
    """The person changes their password; their other sessions end (the caller opens a new one)."""
    if not _verify(user.password_hash, current):
        raise AccountError("current_password", N_("That is not your current password."))
    _set_password(user, new)
    end_all_sessions(session, user)
    record_audit(session, user, "account.password_change", user, client=client)


def set_own_time_zone(
    session: Session, user: StaffUser, time_zone: str, *, client: str = ""
) -> None:
    """The person chooses the time zone their figures are counted in (one of ``TIME_ZONES``)."""
    if time_zone not in TIME_ZONES:
        raise AccountError("time_zone", N_("Choose a time zone from the list."))
    if time_zone != user.time_zone:
        before = user.time_zone
        user.time_zone = time_zone
        change = {"from": before, "to": time_zone}
        record_audit(session, user, "account.time_zone", user, change, client=client)
        session.flush()


def sign_out_user(session: Session, user: StaffUser, *, by: Actor | None, client: str = "") -> None:
    """An admin ends every session of someone else (a lost laptop, a shared computer)."""
    end_all_sessions(session, user)
    record_audit(session, by, "user.sign_out_everywhere", user, client=client)


# -- second factor ------------------------------------------------------------------------------


def start_totp(session: Session, user: StaffUser, *, secret_key: str) -> str:
    """A fresh secret to show the person; it takes effect only once a code from it is confirmed.

    Stored sealed with a key from ``secret_key`` (see ``totp_storage``); the plain secret is
    returned once, for the set-up page.
    """
    if user.totp_enabled:
        raise AccountError("code", N_("Two-step sign-in is already on."))
    secret = totp.new_secret()
    user.totp_secret = totp_storage.seal_secret(secret, secret_key, user.id)
    user.totp_last_step = None
    return secret


def totp_secret(user: StaffUser, *, secret_key: str) -> str | None:
    """The person's TOTP secret in base32 (sealed or, from before encryption, plain)."""
    return totp_storage.open_secret(user.totp_secret, secret_key, user.id)


def totp_unreadable(user: StaffUser, *, secret_key: str) -> bool:
    """Two-step sign-in is on but its secret cannot be opened (``PORTAL_SECRET_KEY`` changed):
    no code can pass until an admin turns it off and the person sets it up again."""
    return user.totp_enabled and totp_secret(user, secret_key=secret_key) is None


def verify_totp(user: StaffUser, code: str, now: datetime, *, secret_key: str) -> bool:
    """Is ``code`` valid now (±30 s) and not used before? Records its step when it is.

    A secret still stored in plain text is sealed on the way (the first right code after an
    upgrade moves it over).
    """
    secret = totp_secret(user, secret_key=secret_key)
    if not secret:
        return False
    step = totp.matching_step(secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    if user.totp_secret and totp_storage.is_plain(user.totp_secret):
        user.totp_secret = totp_storage.seal_secret(secret, secret_key, user.id)
    return True


def confirm_totp(
    session: Session,
    user: StaffUser,
    code: str,
    now: datetime,
    *,
    secret_key: str,
    client: str = "",
) -> None:
    if user.totp_enabled:
        raise AccountError("code", N_("Two-step sign-in is already on."))
    if not user.totp_secret:
        raise AccountError("code", N_("Start the set-up again: no secret is waiting."))
    if not verify_totp(user, code, now, secret_key=secret_key):
        raise AccountError(
            "code", N_("That code is not right. Enter the six digits your app shows now.")
        )
    user.totp_enabled = True
    record_audit(session, user, "account.totp_enable", user, client=client, at=now)


def disable_own_totp(
    session: Session,
    user: StaffUser,
    code: str,
    now: datetime,
    *,
    secret_key: str,
    client: str = "",
) -> None:
    """Turning the second factor off takes a current code, so a left-open session cannot."""
    if not user.totp_enabled:
        return
    if not verify_totp(user, code, now, secret_key=secret_key):
        raise AccountError(
            "code", N_("That code is not right. Enter the six digits your app shows now.")
        )
    _clear_totp(user)
    record_audit(session, user, "account.totp_disable", user, client=client, at=now)


def reset_totp(session: Session, user: StaffUser, *, by: Actor | None, client: str = "") -> None:
    """An admin turns someone's second factor off (a lost phone); they can set it up again."""
    if not user.totp_enabled and not user.totp_secret:
        return
    _clear_totp(user)
    end_all_sessions(session, user)
    record_audit(session, by, "user.totp_reset", user, client=client)


def _clear_totp(user: StaffUser) -> None:
    user.totp_enabled = False
    user.totp_secret = None
    user.totp_last_step = None
