"""A real Redis for the workers' tests (the machine's, as CI has it), under a key prefix of
each test's own, or a skip that says what is missing."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("NEURAL_TERMINAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest_asyncio.fixture
async def redis() -> AsyncIterator[Redis]:
    """A client of the test Redis; every key the test made under its prefix is deleted."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()  # type: ignore[misc]
    except (RedisError, OSError) as exc:
        await client.aclose()
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}): set NEURAL_TERMINAL_TEST_REDIS_URL")
    yield client
    await client.aclose()


@pytest_asyncio.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    """A key prefix no other test (or instance) uses."""
    name = f"nt-test-{secrets.token_hex(4)}"
    yield name
    keys = [key async for key in redis.scan_iter(match=f"{name}:*")]
    if keys:
        await redis.delete(*keys)
