"""Fair use per user in hosted mode: so many messages a minute, so many replies at once.

Both are counted in the database (store/spend/send_activity.py), so every backend worker agrees.
The check is not locked against the insert that follows it: sends racing on several workers
in the same instant can each pass, so a burst may go over by at most one per worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from neural_terminal.domain.errors import TooManySends, TooManyStreams
from neural_terminal.store.spend.send_activity import SendActivityStore

WINDOW = timedelta(seconds=60)


class SendLimits:
    """Refuses a user's send, before anything is stored, when they send too much at once."""

    def __init__(
        self,
        store: SendActivityStore,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sends_per_minute: int = 30,
        streams_per_user: int = 2,
    ) -> None:
        if sends_per_minute < 1 or streams_per_user < 1:
            raise ValueError("send limits must allow at least one send and one stream")
        self._store = store
        self._clock = clock
        self._sends = sends_per_minute
        self._streams = streams_per_user

    def check(self, *, owner_id: int) -> None:
        """Raise TooManySends or TooManyStreams when ``owner_id`` must wait to send."""
        now = self._clock()
        # A message exactly WINDOW old has left the window.
        activity = self._store.activity(owner_id=owner_id, since=now - WINDOW, nth=self._sends)
        if activity.nth_newest_send_at is not None:
            wait = activity.nth_newest_send_at + WINDOW - now
            raise TooManySends(
                detail=f"owner_id={owner_id} sends_per_minute={self._sends}",
                limit=self._sends,
                retry_after_s=wait.total_seconds(),
            )
        if activity.streaming >= self._streams:
            raise TooManyStreams(
                detail=f"owner_id={owner_id} streaming={activity.streaming}",
                limit=self._streams,
            )
