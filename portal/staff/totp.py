"""Time-based one-time passwords (RFC 6238, HMAC-SHA1, 6 digits, 30-second steps).

These are the codes every authenticator app shows. The standard library is enough; the account
code decides which step was last used, so a code is never accepted twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
ISSUER = "Svar"


def new_secret() -> str:
    """A random 160-bit secret in base32, as authenticator apps expect it."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for_step(secret: str, step: int) -> str:
    """RFC 4226 HOTP of the step counter, truncated to six digits."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def code_at(secret: str, moment: datetime) -> str:
    return code_for_step(secret, step_at(moment))


def normalise_code(code: str) -> str:
    """What people type: spaces and hyphens are ignored ("123 456")."""
    return "".join(ch for ch in code if ch not in " -\t")


def matching_step(secret: str, code: str, moment: datetime, window: int = 1) -> int | None:
    """The step (now, one before or one after) whose code is ``code``, or None."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    now_step = step_at(moment)
    found = None
    for step in range(now_step - window, now_step + window + 1):
        # Compare every candidate so the time taken does not depend on which one matched.
        if hmac.compare_digest(code_for_step(secret, step), code):
            found = step
    return found


def provisioning_uri(secret: str, account: str, issuer: str = ISSUER) -> str:
    """The ``otpauth://`` address an authenticator app reads (usually from a QR code)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": 30}
    )
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
