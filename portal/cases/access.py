"""Private status links.

A link carries a 256-bit token derived as HMAC(secret key, nonce). The database keeps only the
token's SHA-256 and the nonce, so neither a database copy nor the key alone opens a case.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case, CaseAccess


def token_for(nonce: str, secret_key: str) -> str:
    digest = hmac.new(
        secret_key.encode(), b"case-access:" + nonce.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def grant_access(session: Session, case: Case, secret_key: str) -> tuple[CaseAccess, str]:
    """Create a new status link for ``case``; returns the row and the token to send."""
    nonce = secrets.token_hex(16)
    token = token_for(nonce, secret_key)
    access = CaseAccess(case_id=case.id, nonce=nonce, token_hash=hash_token(token))
    session.add(access)
    return access, token


def access_values(case_id: int, secret_key: str, now: datetime) -> tuple[dict[str, object], str]:
    """A new status link as a ``case_access`` row to insert, and the token to send.

    For intake, which inserts its rows as plain SQL; elsewhere ``grant_access`` does the same.
    """
    nonce = secrets.token_hex(16)
    token = token_for(nonce, secret_key)
    row = {"case_id": case_id, "nonce": nonce, "token_hash": hash_token(token), "created_at": now}
    return row, token


def case_for_token(session: Session, token: str) -> Case | None:
    """The case a token opens, or None — a wrong or altered token looks like a missing one."""
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(Case)
        .join(CaseAccess, CaseAccess.case_id == Case.id)
        .where(CaseAccess.token_hash == hash_token(token))
    )


def token_opens(session: Session, token: str, reference: str) -> Case | None:
    """The case ``reference`` if ``token`` is one of its links."""
    case = case_for_token(session, token)
    if case is None or not hmac.compare_digest(case.reference, reference):
        return None
    return case
