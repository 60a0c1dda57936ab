"""Leases over a real Redis: one reply per conversation across workers, Stop to the owner,
liveness that ends when a worker stops or goes silent."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from neural_terminal.domain.errors import SharingUnavailable
from neural_terminal.workers.redis_leases import RedisLeases

LEASE_S = 4.0


def _leases(redis: Redis, prefix: str, worker: str) -> RedisLeases:
    return RedisLeases(redis, worker_id=worker, lease_s=LEASE_S, prefix=prefix)


def _ignore(_conversation_id: int) -> None:
    """A Stop handler for workers whose Stop messages the test does not follow."""


@pytest.mark.asyncio
async def test_a_conversation_is_claimed_by_one_worker_until_it_releases_it(
    redis: Redis, prefix: str
) -> None:
    a, b = _leases(redis, prefix, "a"), _leases(redis, prefix, "b")

    assert await a.claim_turn(7)
    assert not await b.claim_turn(7)
    b.release_turn(7)  # not b's: nothing happens
    await asyncio.sleep(0)
    await asyncio.gather(*b._tasks)
    assert not await b.claim_turn(7)

    a.release_turn(7)
    await asyncio.gather(*a._tasks)
    assert await b.claim_turn(7)
    assert await a.claim_turn(8)  # other conversations are free all along


@pytest.mark.asyncio
async def test_a_claim_lives_only_as_long_as_its_workers_lease(redis: Redis, prefix: str) -> None:
    a = _leases(redis, prefix, "a")
    assert await a.claim_turn(7)

    ttl_ms = await redis.pttl(f"{prefix}:turn:7")

    assert 0 < ttl_ms <= LEASE_S * 1000


@pytest.mark.asyncio
async def test_a_started_worker_is_alive_and_a_closed_one_is_not(redis: Redis, prefix: str) -> None:
    a, b = _leases(redis, prefix, "a"), _leases(redis, prefix, "b")
    await a.start(_ignore)
    try:
        assert await b.alive({"a", "b", "gone"}) == {"a"}
        assert 0 < await redis.pttl(f"{prefix}:worker:a") <= LEASE_S * 1000
    finally:
        await a.close()
    assert await b.alive({"a"}) == set()


@pytest.mark.asyncio
async def test_stop_reaches_the_worker_that_streams_the_reply(redis: Redis, prefix: str) -> None:
    stopped: asyncio.Queue[int] = asyncio.Queue()
    owner, other = _leases(redis, prefix, "owner"), _leases(redis, prefix, "other")
    await owner.start(stopped.put_nowait)
    try:
        # The subscription is in place once the channel has a subscriber.
        channel = f"{prefix}:stop"
        while (await redis.pubsub_numsub(channel))[0][1] < 1:  # noqa: ASYNC110 (in Redis)
            await asyncio.sleep(0.01)  # polling a condition: the listener subscribes
        other.request_stop(42)
        assert await asyncio.wait_for(stopped.get(), timeout=10) == 42
    finally:
        await owner.close()
        await other.close()


@pytest.mark.asyncio
async def test_without_redis_a_turn_is_refused_and_liveness_is_unknown() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    leases = RedisLeases(unreachable, worker_id="a", lease_s=LEASE_S, prefix="nt-test-down")
    try:
        with pytest.raises(SharingUnavailable):
            await leases.claim_turn(7)
        assert await leases.alive({"a", "b"}) is None
    finally:
        await unreachable.aclose()
