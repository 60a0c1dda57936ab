"""The breaker's streak shared through Redis: failures on one worker open every worker's
breaker, and a success on any worker closes them all."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from neural_terminal.domain.errors import CircuitOpen
from neural_terminal.upstream.resilience.breaker import BreakerState
from neural_terminal.workers.shared_breaker import SharedBreaker


def _breaker(redis: Redis, prefix: str, now: list[float]) -> SharedBreaker:
    return SharedBreaker(
        redis, prefix=prefix, failure_threshold=3, cooldown_s=30, wall_time=lambda: now[0]
    )


async def _reported(breaker: SharedBreaker) -> None:
    """Wait for the breaker's reports to Redis to land."""
    await asyncio.gather(*breaker._tasks)


@pytest.mark.asyncio
async def test_failures_on_one_worker_open_the_breaker_of_another(
    redis: Redis, prefix: str
) -> None:
    now = [1_000.0]
    one, other = _breaker(redis, prefix, now), _breaker(redis, prefix, now)
    for _ in range(2):
        one.record_failure()
    other.record_failure()  # the third in a row, counted across both
    await _reported(one)
    await _reported(other)

    await one.sync()

    assert one.status().failures == 3
    assert one.state is BreakerState.OPEN
    with pytest.raises(CircuitOpen):
        one.before_request()


@pytest.mark.asyncio
async def test_a_success_anywhere_closes_it_everywhere(redis: Redis, prefix: str) -> None:
    now = [1_000.0]
    one, other = _breaker(redis, prefix, now), _breaker(redis, prefix, now)
    for _ in range(3):
        one.record_failure()
    await _reported(one)
    await other.sync()
    assert other.state is BreakerState.OPEN

    one.record_success()
    await _reported(one)
    await other.sync()

    assert other.status().state is BreakerState.CLOSED
    assert other.status().failures == 0


@pytest.mark.asyncio
async def test_the_shared_cooldown_runs_from_when_it_opened(redis: Redis, prefix: str) -> None:
    now = [1_000.0]
    one, late = _breaker(redis, prefix, now), _breaker(redis, prefix, now)
    for _ in range(3):
        one.record_failure()
    await _reported(one)

    now[0] += 30  # a worker that hears of it only after the cooldown
    await late.sync()

    assert late.state is BreakerState.HALF_OPEN
