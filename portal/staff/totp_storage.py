"""TOTP secrets encrypted at rest, so a copy of the database alone cannot make sign-in codes.

The key is derived from ``PORTAL_SECRET_KEY`` with HKDF-SHA256 (its own ``info``, so it is never
the key that signs anything else), and each secret is sealed with AES-GCM under a fresh 96-bit
nonce, bound to the staff user's id: a sealed value copied onto another account does not open.

Stored form: ``base64url(nonce ‖ ciphertext ‖ tag)`` without padding — 64 characters for the
20-byte secret, which fits the column as it is. Secrets written before encryption are 32
characters of base32; ``open_secret`` still reads those, and the account code seals them on
their next use, so existing rows move over without a migration step.

Changing ``PORTAL_SECRET_KEY`` makes sealed secrets unreadable: those people cannot pass the
second step until an admin resets it for them (``open_secret`` answers None, never a crash).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
_INFO = b"svar staff totp secret v1"
# What ``totp.new_secret`` makes: 20 random bytes in base32 (the form kept before encryption).
_PLAIN = re.compile(r"[A-Z2-7]{32}")


@lru_cache(maxsize=4)
def _key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return hkdf.derive(secret_key.encode("utf-8"))


def _context(user_id: int) -> bytes:
    return f"staff_user:{user_id}".encode("ascii")


def is_plain(stored: str) -> bool:
    """A secret kept as written before encryption (to be sealed on its next use)."""
    return _PLAIN.fullmatch(stored) is not None


def seal_secret(secret: str, secret_key: str, user_id: int) -> str:
    """The value to store for ``secret`` (base32) of staff user ``user_id``."""
    raw = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, raw, _context(user_id))
    return base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def open_secret(stored: str | None, secret_key: str, user_id: int) -> str | None:
    """The base32 secret from a stored value (sealed or plain); None if there is none or it
    cannot be opened (another key, another account, damaged)."""
    if not stored:
        return None
    if is_plain(stored):
        return stored
    try:
        blob = base64.urlsafe_b64decode(stored + "=" * (-len(stored) % 4))
        raw = AESGCM(_key(secret_key)).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _context(user_id)
        )
    except (InvalidTag, ValueError, binascii.Error):
        return None
    return base64.b32encode(raw).decode("ascii")
