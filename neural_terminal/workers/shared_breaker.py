"""The circuit breaker's streak shared by every worker through Redis.

Each worker keeps deciding with its own CircuitBreaker (no Redis call before a request), but
reports what it sees: a failure adds one to ``{p}:breaker``'s ``failures`` (the worker that
reaches the threshold sets ``opened_at``), a success resets both. Twice a second every worker
adopts the shared streak, so an upstream failing on one worker pauses the others too, and one
success anywhere closes it everywhere. Redis unreachable: each worker goes on with its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from neural_terminal.upstream.resilience.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

SYNC_EVERY_S = 0.5


class SharedBreaker(CircuitBreaker):
    """A breaker whose failures and successes every worker hears."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "nt",
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        wall_time: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(failure_threshold=failure_threshold, cooldown_s=cooldown_s)
        self._redis = redis
        self._key = f"{prefix}:breaker"
        self._limit = failure_threshold
        self._wall_time = wall_time
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    def record_success(self) -> None:
        """Close here, and everywhere."""
        super().record_success()
        self._send(self._reset())

    def record_failure(self) -> None:
        """Count here, and in the shared streak."""
        super().record_failure()
        self._send(self._count())

    async def start(self) -> None:
        """Adopt the shared streak twice a second."""
        self._loop = asyncio.create_task(self._run(), name="shared-breaker")

    async def close(self) -> None:
        """Stop syncing; let reports in flight finish."""
        if self._loop is not None:
            self._loop.cancel()
            with suppress(asyncio.CancelledError):
                await self._loop
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def sync(self) -> None:
        """Read the shared streak and adopt it."""
        shared = await self._redis.hgetall(self._key)  # type: ignore[misc]
        failures = int(shared.get(b"failures", 0))
        opened = shared.get(b"opened_at")
        open_for = self._wall_time() - float(opened) if opened else None
        self.adopt(failures, open_for)

    async def _count(self) -> None:
        failures = int(await self._redis.hincrby(self._key, "failures", 1))  # type: ignore[misc]
        if failures >= self._limit:
            await self._redis.hsetnx(self._key, "opened_at", repr(self._wall_time()))  # type: ignore[misc]

    async def _reset(self) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key, "failures", "0")
            pipe.hdel(self._key, "opened_at")
            await pipe.execute()

    def _send(self, report: object) -> None:
        async def run() -> None:
            try:
                await report  # type: ignore[misc]
            except (RedisError, OSError) as exc:
                logger.warning("breaker not shared: %s", exc)

        try:
            task = asyncio.get_running_loop().create_task(run())
        except RuntimeError:  # no loop (a test driving the breaker by hand)
            report.close()  # type: ignore[attr-defined]
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(SYNC_EVERY_S)
            try:
                await self.sync()
            except (RedisError, OSError) as exc:
                logger.warning("breaker streak not read: %s", exc)
