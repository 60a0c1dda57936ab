"""Failed logins slow further tries, per account name and per address, in every worker.

The first four failures of a name (or an address) are free; after the fifth it must wait
1 s, then 2, 4, 8 ... seconds, at most 15 minutes. A success clears both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from neural_terminal.accounts.usernames import normalise_username
from neural_terminal.store.accounts.failure_store import FailureKey, FailureStore
from neural_terminal.store.tables import utcnow

FREE_FAILURES = 4
MAX_DELAY = timedelta(minutes=15)
# A name or an address with no failure for this long starts from zero again.
FORGET_AFTER = timedelta(days=1)
# The keys' column width (store/tables.py, LoginFailure.value).
KEY_CHARS = 200


def delay_after(failures: int) -> timedelta:
    """How long a name or an address must wait after its ``failures``-th failure."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    doublings = failures - FREE_FAILURES - 1
    # 2**10 s is past the cap already; stopping there keeps the number small.
    return min(timedelta(seconds=2 ** min(doublings, 10)), MAX_DELAY)


def throttle_keys(username: str, address: str) -> list[FailureKey]:
    """The two entries a login counts against: its normalised name and its address."""
    return [("user", normalise_username(username)[:KEY_CHARS]), ("address", address[:KEY_CHARS])]


class LoginThrottle:
    """Says how long a login must wait, and counts failures in the database."""

    def __init__(
        self,
        store: FailureStore,
        *,
        clock: Callable[[], datetime] = utcnow,
        forget_after: timedelta = FORGET_AFTER,
    ) -> None:
        self._store = store
        self._clock = clock
        self._forget_after = forget_after

    def wait_s(self, username: str, *, address: str) -> float:
        """Seconds this name from this address must wait before a password is checked; 0: go."""
        locked_until = self._store.locked_until(keys=throttle_keys(username, address))
        if locked_until is None:
            return 0.0
        return max(0.0, (locked_until - self._clock()).total_seconds())

    def record_failure(self, username: str, *, address: str) -> None:
        """Count a wrong password (or unknown name) against both the name and the address."""
        now = self._clock()
        self._store.record(
            keys=throttle_keys(username, address),
            at=now,
            forget_before=now - self._forget_after,
            delay=delay_after,
        )

    def record_success(self, username: str, *, address: str) -> None:
        """Forget the failures of this name and of this address."""
        self._store.clear(keys=throttle_keys(username, address))

    def prune(self) -> int:
        """Drop the entries old enough to be forgotten anyway; how many (for a periodic job)."""
        return self._store.prune(forget_before=self._clock() - self._forget_after)
