"""Reply text mirrored in Redis: ``{p}:live:{message_id}``, appended once per flush.

The streaming worker buffers each reply's new text and flushes every ``interval_s`` in one
pipeline (APPEND and a time to live per reply), so the cost per token is a list append. A
reply whose flush failed (Redis down) is no longer mirrored: its key is deleted when Redis
answers again, and readers fall back to the database's checkpoint, which is never wrong,
only older. When the reply is stored the key is deleted: the database holds the text.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# A reply streams for minutes at most; a key outlives its worker by this much at most.
KEEP_S = 3600


class RedisLiveText:
    """Buffers appends per reply and flushes them together."""

    def __init__(self, redis: Redis, *, prefix: str = "nt", interval_s: float = 0.1) -> None:
        self._redis = redis
        self._prefix = prefix
        self._interval_s = interval_s
        self._pending: dict[int, list[str]] = {}
        self._finished: set[int] = set()
        # Replies whose mirror lost text (never mirrored again), and keys still to delete.
        self._broken: set[int] = set()
        self._stale: set[int] = set()
        self._loop: asyncio.Task[None] | None = None

    def append(self, message_id: int, text: str) -> None:
        """Queue ``text`` for the next flush (unless this reply's mirror broke)."""
        if message_id not in self._broken:
            self._pending.setdefault(message_id, []).append(text)

    def finish(self, message_id: int) -> None:
        """Delete the key at the next flush, after any text still queued."""
        self._finished.add(message_id)

    async def text(self, message_id: int) -> str | None:
        """The mirrored text, or None (no key, or Redis unreachable)."""
        try:
            value = await self._redis.get(self._key(message_id))
        except (RedisError, OSError) as exc:
            logger.warning("live text not readable: %s", exc)
            return None
        if value is None:
            return None
        return value.decode() if isinstance(value, bytes) else str(value)

    async def start(self) -> None:
        """Flush in the background every ``interval_s``."""
        self._loop = asyncio.create_task(self._run(), name="live-text-mirror")

    async def close(self) -> None:
        """Flush once more, then stop."""
        if self._loop is not None:
            self._loop.cancel()
            with suppress(asyncio.CancelledError):
                await self._loop
        with suppress(RedisError, OSError):
            await self.flush()

    async def flush(self) -> None:
        """Send every queued append and deletion in one pipeline."""
        pending, self._pending = self._pending, {}
        finished, self._finished = self._finished, set()
        deletions = self._stale | finished
        if not pending and not deletions:
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for message_id, parts in pending.items():
                    if message_id not in finished:
                        pipe.append(self._key(message_id), "".join(parts))
                        pipe.expire(self._key(message_id), KEEP_S)
                if deletions:
                    pipe.delete(*(self._key(message_id) for message_id in deletions))
                await pipe.execute()
        except (RedisError, OSError):
            # Text was lost on the way: these mirrors are no longer exact, for good.
            self._broken.update(message_id for message_id in pending if message_id not in finished)
            self._stale = deletions | (self._broken - finished)
            self._broken -= finished
            raise
        self._stale = set()
        self._broken -= finished

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.flush()
            except (RedisError, OSError) as exc:
                logger.warning("live text not mirrored (the database answers instead): %s", exc)

    def _key(self, message_id: int) -> str:
        return f"{self._prefix}:live:{message_id}"
