"""The signed token a complaint form carries, instead of a CAPTCHA.

The form is issued with a random ``submission_id`` (which makes a resend of the same form
idempotent) and a token ``<issued-at>.<HMAC(secret key, issued-at + submission id)>``. A form sent
back sooner than a person could fill it in, or with a token the portal never issued, is shown
again with everything kept instead of being stored — bots go away, people just send it again.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

SUBMISSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


@dataclass(frozen=True)
class FormToken:
    submission_id: str
    token: str


def new_submission_id() -> str:
    return secrets.token_urlsafe(18)


def _signature(secret_key: str, issued: int, submission_id: str) -> str:
    message = f"complaint-form:{issued}:{submission_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def issue(secret_key: str, now: datetime, submission_id: str | None = None) -> FormToken:
    """A token for a form shown at ``now``; keeps ``submission_id`` when the form is re-shown."""
    if not submission_id or not SUBMISSION_ID_PATTERN.match(submission_id):
        submission_id = new_submission_id()
    issued = int(now.timestamp())
    return FormToken(submission_id, f"{issued}.{_signature(secret_key, issued, submission_id)}")


def seconds_since_issued(
    secret_key: str, token: str, submission_id: str, now: datetime
) -> float | None:
    """How long ago the form was issued, or None when the token was not issued by us."""
    if not SUBMISSION_ID_PATTERN.match(submission_id or ""):
        return None
    issued_text, _, signature = (token or "").partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        return None
    issued = int(issued_text)
    if not hmac.compare_digest(signature, _signature(secret_key, issued, submission_id)):
        return None
    elapsed = now.timestamp() - issued
    # A token from the future is forged or from a badly skewed clock; treat it as not ours.
    return elapsed if elapsed >= -5 else None
