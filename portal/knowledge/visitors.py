"""Telling readers apart without knowing who they are.

A reader who votes gets a random id in a cookie (``svar_visitor``, a year); one who is shown
article suggestions on the complaint form gets another for the browser session
(``svar_suggest``). Only keyed hashes of those ids (HMAC with the secret key, one purpose each)
reach the database: they cannot be turned back into the cookie, nor linked across purposes.
Search-log entry ids travel signed in result links, so nobody can mark someone else's search.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict

VISITOR_COOKIE = "svar_visitor"
SESSION_COOKIE = "svar_suggest"
VISITOR_MAX_AGE = 365 * 24 * 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_id() -> str:
    return secrets.token_urlsafe(18)


def valid_id(value: str | None) -> bool:
    return bool(value) and bool(_ID.match(value or ""))


def keyed_hash(secret: str, purpose: str, value: str) -> str:
    """64 hex characters that stand for ``value`` in ``purpose`` (votes, suggestions)."""
    message = f"{purpose}:{value}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_entry(secret: str, entry_id: int) -> str:
    """``<id>.<mac>``: a search-log entry id that only this portal could have written."""
    mac = keyed_hash(secret, "search-log", str(entry_id))[:12]
    return f"{entry_id}.{mac}"


def unsign_entry(secret: str, value: str | None) -> int | None:
    if not value or "." not in value:
        return None
    raw, mac = value.split(".", 1)
    if not raw.isdigit() or len(raw) > 18:
        return None
    expected = keyed_hash(secret, "search-log", raw)[:12]
    return int(raw) if hmac.compare_digest(mac, expected) else None


class RecentSearches:
    """The last search-log entry per reader (in memory, bounded), so a query typed letter by
    letter updates one entry. Readers are keyed by a hash, never stored anywhere."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, reader: str) -> int | None:
        with self._lock:
            return self._entries.get(reader)

    def put(self, reader: str, entry_id: int) -> None:
        with self._lock:
            self._entries[reader] = entry_id
            self._entries.move_to_end(reader)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)


def reader_key(secret: str, visitor: str | None, address: str, user_agent: str) -> str:
    """Who is typing, for ``RecentSearches`` only: the visitor cookie when there is one."""
    if valid_id(visitor):
        return keyed_hash(secret, "reader", visitor or "")[:32]
    return keyed_hash(secret, "reader", f"{address}|{user_agent}")[:32]
