"""Reply text mirrored in Redis: ``{p}:live:{message_id}``, appended once per flush.

The streaming worker buffers each reply's new text and flushes every ``interval_s`` in one
pipeline (an append and a time to live per reply), so the cost per token is a list append.
Each append says where it belongs: it lands only if the key holds exactly what was sent before
(else the key is deleted). A reply whose flush failed (Redis down), or whose key came back
empty (Redis restarted between two flushes), is no longer mirrored: its key is deleted when
Redis answers again, and readers fall back to the database's checkpoint, which is never
wrong, only older. When the reply is stored the key is deleted: the database holds the text.
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
# Write ARGV[2] at byte ARGV[1]: the first text replaces whatever the key held (a reply
# continued after its worker died), later text lands only after exactly what this worker sent
# so far, else the key is deleted. 1 when written, 0 when the mirror has a gap (then it is
# never used again).
_APPEND_AT = """
if ARGV[1] == '0' then
  redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]); return 1
end
if redis.call('strlen', KEYS[1]) ~= tonumber(ARGV[1]) then
  redis.call('del', KEYS[1]); return 0
end
redis.call('append', KEYS[1], ARGV[2]); redis.call('expire', KEYS[1], ARGV[3]); return 1
"""


class RedisLiveText:
    """Buffers appends per reply and flushes them together."""

    def __init__(self, redis: Redis, *, prefix: str = "nt", interval_s: float = 0.1) -> None:
        self._redis = redis
        self._prefix = prefix
        self._interval_s = interval_s
        self._pending: dict[int, list[str]] = {}
        # Bytes of each reply's text already in Redis.
        self._sent: dict[int, int] = {}
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
        appends = {
            message_id: "".join(parts).encode()
            for message_id, parts in pending.items()
            if message_id not in finished
        }
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for message_id, text in appends.items():
                    offset = self._sent.get(message_id, 0)
                    pipe.eval(_APPEND_AT, 1, self._key(message_id), offset, text, KEEP_S)
                if deletions:
                    pipe.delete(*(self._key(message_id) for message_id in deletions))
                results = await pipe.execute()
        except (RedisError, OSError):
            # Text was lost on the way: these mirrors are no longer exact, for good.
            self._broken.update(appends)
            self._stale = deletions | (self._broken - finished)
            self._forget(finished)
            raise
        for (message_id, text), landed in zip(appends.items(), results, strict=False):
            if landed:
                self._sent[message_id] = self._sent.get(message_id, 0) + len(text)
            else:  # Redis came back empty since the last flush: the mirror has a gap
                self._broken.add(message_id)
        self._stale = set()
        self._forget(finished)

    def _forget(self, finished: set[int]) -> None:
        self._broken -= finished
        for message_id in finished:
            self._sent.pop(message_id, None)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.flush()
            except (RedisError, OSError) as exc:
                logger.warning("live text not mirrored (the database answers instead): %s", exc)

    def _key(self, message_id: int) -> str:
        return f"{self._prefix}:live:{message_id}"
