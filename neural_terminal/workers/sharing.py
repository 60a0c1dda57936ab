"""This process's part among the workers: its id, leases and live-text mirror, over Redis
when ``REFLEX_REDIS_URL`` is set (several workers), else nothing shared (one process)."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from neural_terminal.settings import Settings
from neural_terminal.workers.identity import new_worker_id
from neural_terminal.workers.leases import LocalLeases, StopHandler, WorkerLeases
from neural_terminal.workers.live_text import LiveTextMirror, NoMirror
from neural_terminal.workers.redis_leases import RedisLeases
from neural_terminal.workers.redis_live_text import RedisLiveText
from neural_terminal.workers.redis_restarts import RedisRestarts, RestartHandler
from neural_terminal.workers.shared_breaker import SharedBreaker


@dataclass
class Sharing:
    """What this worker shares with the others, started and closed with the app."""

    worker_id: str
    leases: WorkerLeases
    mirror: LiveTextMirror
    redis: Redis | None = None
    # The upstream's breaker with its streak shared (None: each process keeps its own).
    breaker: SharedBreaker | None = None
    # Says when Redis restarted empty (None: nothing shared, nothing to lose).
    restarts: RedisRestarts | None = None

    async def start(self, on_stop: StopHandler, on_redis_restart: RestartHandler) -> None:
        """Take the lease and start the background loops; ``on_redis_restart`` rebuilds what
        Redis held for the pages (it is called after each restart of Redis)."""
        await self.leases.start(on_stop)
        await self.mirror.start()
        if self.breaker is not None:
            await self.breaker.start()
        if self.restarts is not None:
            await self.restarts.start(on_redis_restart)

    async def close(self) -> None:
        """Flush, give the lease up, close the connection."""
        if self.restarts is not None:
            await self.restarts.close()
        if self.breaker is not None:
            await self.breaker.close()
        await self.mirror.close()
        await self.leases.close()
        if self.redis is not None:
            await self.redis.aclose()


def build_sharing(settings: Settings) -> Sharing:
    """Redis-backed sharing when a Redis URL is set, else one process's own."""
    worker_id = new_worker_id()
    if settings.redis_url is None:
        return Sharing(worker_id, LocalLeases(worker_id), NoMirror())
    redis = Redis.from_url(
        settings.redis_url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=10
    )
    prefix = settings.redis_prefix
    return Sharing(
        worker_id,
        RedisLeases(redis, worker_id=worker_id, lease_s=settings.worker_lease_s, prefix=prefix),
        RedisLiveText(redis, prefix=prefix),
        redis,
        SharedBreaker(
            redis,
            prefix=prefix,
            failure_threshold=max(1, settings.breaker_failures),
            cooldown_s=settings.breaker_cooldown_s,
        ),
        RedisRestarts(redis),
    )
