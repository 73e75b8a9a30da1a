"""Sign-in throttling: failed attempts are counted per account and per client address.

The counters live in the app's rate-limit store (memory, or Redis when instances share it). An
account is keyed by the normalised email whether or not it exists, so being throttled tells an
attacker nothing about which addresses are real. While either counter is full, even the right
password is refused, so guessing cannot continue at a slower pace by luck.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Protocol

from portal.settings import Settings
from portal.staff.accounts import normalise_email

WINDOW = timedelta(minutes=15)
FAILURES_PER_ACCOUNT = 5
FAILURES_PER_CLIENT = 20


class CounterStore(Protocol):
    """The part of Litestar's ``Store`` interface used here (MemoryStore, RedisStore)."""

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None: ...

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def expires_in(self, key: str) -> int | None: ...


class SignInThrottle:
    def __init__(self, store: CounterStore, settings: Settings) -> None:
        self.store = store
        self.per_account = settings.scaled(FAILURES_PER_ACCOUNT)
        self.per_client = settings.scaled(FAILURES_PER_CLIENT)

    @staticmethod
    def _account_key(email: str) -> str:
        digest = hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]
        return f"staff-sign-in:account:{digest}"

    @staticmethod
    def _client_key(client: str) -> str:
        return f"staff-sign-in:client:{client}"

    async def _count(self, key: str) -> int:
        raw = await self.store.get(key)
        try:
            return int(raw or 0)
        except ValueError:
            return 0

    async def retry_after(self, email: str, client: str) -> int | None:
        """Seconds to wait when the account or the client has failed too often, else None."""
        waits = []
        for key, limit in (
            (self._account_key(email), self.per_account),
            (self._client_key(client), self.per_client),
        ):
            if await self._count(key) >= limit:
                waits.append(await self.store.expires_in(key) or int(WINDOW.total_seconds()))
        return max(waits) if waits else None

    async def failed(self, email: str, client: str) -> None:
        for key in (self._account_key(email), self._client_key(client)):
            count = await self._count(key)
            remaining = await self.store.expires_in(key) if count else None
            # A fixed window from the first failure: later failures do not extend it.
            await self.store.set(key, str(count + 1), expires_in=remaining or WINDOW)

    async def succeeded(self, email: str) -> None:
        """A correct sign-in clears the account's count (the client's stays)."""
        await self.store.delete(self._account_key(email))
