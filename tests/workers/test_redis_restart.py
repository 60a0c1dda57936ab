"""A Redis restarted empty (no persistence) must not make live workers look dead: for one
lease time after its run id changed, liveness is unknown; then it is read again."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from neural_terminal.workers.redis_leases import RedisLeases
from neural_terminal.workers.redis_restarts import RedisRestarts

REDIS_SERVER = shutil.which("redis-server")
LEASE_S = 1.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_redis(port: int) -> Iterator[None]:
    """A redis-server of the test's own on ``port``, keeping nothing on disk."""
    assert REDIS_SERVER is not None
    process = subprocess.Popen(
        [REDIS_SERVER, *("--port", str(port), "--bind", "127.0.0.1"), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)  # polling a condition: the server is not listening yet
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
@pytest.mark.asyncio
async def test_after_a_redis_restart_nobody_is_declared_gone_for_a_lease_time() -> None:
    port = _free_port()
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    now = [1000.0]
    worker = RedisLeases(redis, worker_id="worker", lease_s=LEASE_S, prefix="nt")
    observer = RedisLeases(
        redis, worker_id="observer", lease_s=LEASE_S, prefix="nt", clock=lambda: now[0]
    )
    try:
        with private_redis(port):
            await worker._renew()  # the worker's lease, as its heartbeat takes it
            assert await observer.alive({"worker"}) == {"worker"}
        with private_redis(port):  # back, empty: the worker has not renewed yet
            with suppress(RedisError):
                await redis.ping()  # type: ignore[misc]  # the old connection is dropped
            assert await observer.alive({"worker"}) is None
            now[0] += LEASE_S / 2
            assert await observer.alive({"worker"}) is None
            now[0] += LEASE_S / 2  # a lease time after the restart was seen
            assert await observer.alive({"worker"}) == set()
    finally:
        await redis.aclose()


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
@pytest.mark.asyncio
async def test_after_a_redis_restart_a_turn_in_progress_is_claimed_again_by_its_owner() -> None:
    port = _free_port()
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    owner = RedisLeases(redis, worker_id="owner", lease_s=LEASE_S, prefix="nt")
    other = RedisLeases(redis, worker_id="other", lease_s=LEASE_S, prefix="nt")
    try:
        with private_redis(port):
            assert await owner.claim_turn(7)
        with private_redis(port):  # back, empty: the claim is gone with everything else
            with suppress(RedisError):
                await redis.ping()  # type: ignore[misc]  # the old connection is dropped
            await owner._renew()  # the owner's next heartbeat
            assert not await other.claim_turn(7)
            assert await redis.get("nt:turn:7") == b"owner"
    finally:
        await redis.aclose()


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
@pytest.mark.asyncio
async def test_a_restart_is_reported_once_and_an_outage_alone_is_not() -> None:
    port = _free_port()
    redis = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)
    restarts = RedisRestarts(redis)
    try:
        with private_redis(port):
            assert not await restarts.check()  # the first read only learns the run id
            assert not await restarts.check()
        assert not await restarts.check()  # down: nothing can be said
        with private_redis(port):
            with suppress(RedisError):
                await redis.ping()  # type: ignore[misc]  # the old connection is dropped
            assert await restarts.check()
            assert not await restarts.check()  # the same restart, seen once
    finally:
        await redis.aclose()
