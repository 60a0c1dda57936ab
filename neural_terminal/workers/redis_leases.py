"""Worker leases in Redis.

Keys (under a prefix, ``nt`` by default; one Redis can serve several instances):

``{p}:worker:{id}``   this worker is alive: set with a time to live of ``lease_s``, renewed
                      every quarter of it. A worker killed outright is dead ``lease_s`` later.
``{p}:turn:{cid}``    the worker streaming a reply in conversation ``cid``; renewed with the
                      worker's own lease, deleted (only by its owner) when the reply ends.
``{p}:stop``          pub/sub channel: a conversation id whose reply should stop; the owner
                      cancels it (chat/turns/active.py), the others ignore it.

When Redis cannot be reached, ``alive`` answers None (nobody is declared dead for it), and
so it does for one lease time after Redis restarted (its ``run_id`` changed: a Redis without
persistence comes back empty, and the workers' leases are back only at their next renewal); new
turns are refused with a clear message (one reply per conversation cannot be promised), and
the heartbeat and the Stop listener keep trying until Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from neural_terminal.domain.errors import SharingUnavailable
from neural_terminal.workers.leases import StopHandler

logger = logging.getLogger(__name__)

# Delete or renew a key only while it still names this worker (another may have taken it
# after it expired). A claim that is missing is taken again: a Redis restarted without
# persistence comes back empty, and the reply this worker streams still holds its turn.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end"
_RENEW = """
local renewed = 0
for _, key in ipairs(KEYS) do
  local owner = redis.call('get', key)
  if owner == ARGV[1] then
    redis.call('pexpire', key, ARGV[2]); renewed = renewed + 1
  elseif not owner then
    redis.call('set', key, ARGV[1], 'PX', ARGV[2]); renewed = renewed + 1
  end
end
return renewed
"""
RETRY_S = 0.5


class RedisLeases:
    """Liveness, turn claims and Stop shared by every worker of one instance."""

    def __init__(
        self,
        redis: Redis,
        *,
        worker_id: str,
        lease_s: float = 4.0,
        prefix: str = "nt",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.worker_id = worker_id
        self._redis = redis
        self._lease_ms = max(1, round(lease_s * 1000))
        self._prefix = prefix
        self._held: set[int] = set()
        # The Redis server's run id, and when a new one was first seen (a restart).
        self._run_id: str | None = None
        self._restarted_at = float("-inf")
        self._clock = clock
        self._tasks: set[asyncio.Task[object]] = set()
        self._loops: list[asyncio.Task[None]] = []

    @property
    def shared(self) -> bool:
        """Always: other workers may be running."""
        return True

    async def start(self, on_stop: StopHandler) -> None:
        """Take the lease now (so this worker counts as alive before it streams anything),
        then renew it and listen for Stop in the background."""
        await self._renew()
        self._loops = [
            asyncio.create_task(self._heartbeat(), name="worker-lease"),
            asyncio.create_task(self._listen(on_stop), name="worker-stop-listener"),
        ]

    async def close(self) -> None:
        """Stop renewing and delete the lease: this worker's rows can be given up at once."""
        for task in self._loops:
            task.cancel()
        for task in self._loops:
            with suppress(asyncio.CancelledError):
                await task
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        with suppress(RedisError, OSError):
            key = self._worker_key(self.worker_id)
            await self._redis.eval(_RELEASE, 1, key, self.worker_id)  # type: ignore[misc]

    async def alive(self, workers: Collection[str]) -> set[str] | None:
        """Which of ``workers`` hold a lease (None when Redis cannot say: unreachable, or
        restarted less than a lease time ago)."""
        names = sorted(workers)
        try:
            server = await self._redis.info("server")
            keys = [self._worker_key(name) for name in names]
            values = await self._redis.mget(keys) if keys else []
        except (RedisError, OSError) as exc:
            logger.warning("cannot read worker leases: %s", exc)
            return None
        run_id = str(server.get("run_id", ""))
        now = self._clock()
        if run_id != self._run_id:
            if self._run_id is not None:
                logger.warning("Redis restarted: no worker is declared gone for a lease time")
                self._restarted_at = now
            self._run_id = run_id
        if now - self._restarted_at < self._lease_ms / 1000:
            return None
        return {name for name, value in zip(names, values, strict=True) if value is not None}

    async def claim_turn(self, conversation_id: int) -> bool:
        """SET NX with this worker's lease time; refused while another worker holds it."""
        key = self._turn_key(conversation_id)
        try:
            taken = await self._redis.set(key, self.worker_id, nx=True, px=self._lease_ms)
        except (RedisError, OSError) as exc:
            raise SharingUnavailable(detail=str(exc)) from exc
        if taken:
            self._held.add(conversation_id)
        return bool(taken)

    def release_turn(self, conversation_id: int) -> None:
        """Delete the claim if it is still ours (in the background: callers may be sync)."""
        self._held.discard(conversation_id)
        self._later(self._redis.eval(_RELEASE, 1, self._turn_key(conversation_id), self.worker_id))

    def request_stop(self, conversation_id: int) -> None:
        """Publish the conversation id on the Stop channel."""
        self._later(self._redis.publish(self._stop_channel(), str(conversation_id)))

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 4000)
            try:
                await self._renew()
            except (RedisError, OSError) as exc:
                logger.warning("worker lease not renewed: %s", exc)

    async def _renew(self) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._worker_key(self.worker_id), self.worker_id, px=self._lease_ms)
            held = [self._turn_key(cid) for cid in sorted(self._held)]
            if held:
                pipe.eval(_RENEW, len(held), *held, self.worker_id, self._lease_ms)
            await pipe.execute()

    async def _listen(self, on_stop: StopHandler) -> None:
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._stop_channel())
                    while True:
                        # Short waits, below the client's read timeout, so a quiet channel
                        # is not taken for a lost connection.
                        message = await pubsub.get_message(timeout=1.0)
                        if message is not None:
                            with suppress(ValueError):
                                on_stop(int(message["data"]))
            except (RedisError, OSError) as exc:
                logger.warning("Stop listener lost Redis (retrying): %s", exc)
                await asyncio.sleep(RETRY_S)

    def _later(self, call: object) -> None:
        async def run() -> None:
            try:
                await call  # type: ignore[misc]
            except (RedisError, OSError) as exc:
                logger.warning("Redis call failed: %s", exc)

        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _worker_key(self, worker_id: str) -> str:
        return f"{self._prefix}:worker:{worker_id}"

    def _turn_key(self, conversation_id: int) -> str:
        return f"{self._prefix}:turn:{conversation_id}"

    def _stop_channel(self) -> str:
        return f"{self._prefix}:stop"
