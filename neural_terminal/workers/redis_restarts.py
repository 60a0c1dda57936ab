"""Notice that Redis restarted, so what it held for this worker can be rebuilt.

Redis here keeps nothing on disk: restarted, it comes back empty. Our own keys mend
themselves (leases and turn claims at the next heartbeat; a live-text mirror with a gap is
dropped for the database's checkpoints), but Reflex keeps every page's state there: a page
whose state is gone would show defaults (an empty transcript) at its next update. Its state
is rebuilt the way a reconnect rebuilds it, from the database
(ui/chat/live/tab_sockets.py): this watch says when. A restart shows as a new ``run_id`` in
``INFO server``, read once per ``every_s``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RestartHandler = Callable[[], Awaitable[object]]


class RedisRestarts:
    """Calls ``on_restart`` once for each restart of Redis seen while running."""

    def __init__(self, redis: Redis, *, every_s: float = 1.0) -> None:
        self._redis = redis
        self._every_s = every_s
        self._run_id: str | None = None
        self._loop: asyncio.Task[None] | None = None

    async def check(self) -> bool:
        """One read: True when Redis answers with another run id than last time (never on the
        first read, nor while Redis cannot be reached)."""
        try:
            server = await self._redis.info("server")
        except (RedisError, OSError):
            return False
        run_id = str(server.get("run_id", ""))
        restarted = self._run_id is not None and run_id != self._run_id
        self._run_id = run_id
        return restarted

    async def start(self, on_restart: RestartHandler) -> None:
        """Read the run id now, then watch it in the background."""
        await self.check()
        self._loop = asyncio.create_task(self._watch(on_restart), name="redis-restarts")

    async def close(self) -> None:
        """Stop watching."""
        if self._loop is not None:
            self._loop.cancel()
            with suppress(asyncio.CancelledError):
                await self._loop

    async def _watch(self, on_restart: RestartHandler) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            if await self.check():
                logger.warning("Redis restarted empty: the pages on this worker reconnect")
                try:
                    await on_restart()
                except Exception:  # the watch goes on: the next restart is handled too
                    logger.exception("handling a Redis restart failed")
