"""The text so far of a reply, mirrored in Redis for the other workers: exact, or absent."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from neural_terminal.workers.redis_live_text import RedisLiveText


@pytest.mark.asyncio
async def test_appends_are_readable_by_another_worker_after_a_flush(
    redis: Redis, prefix: str
) -> None:
    writer, reader = RedisLiveText(redis, prefix=prefix), RedisLiveText(redis, prefix=prefix)
    writer.append(1, "Hello")
    writer.append(1, ", wor")
    assert await reader.text(1) is None  # nothing sent before the flush

    await writer.flush()
    writer.append(1, "ld ✓")
    await writer.flush()

    assert await reader.text(1) == "Hello, world ✓"


@pytest.mark.asyncio
async def test_a_finished_reply_leaves_the_mirror(redis: Redis, prefix: str) -> None:
    mirror = RedisLiveText(redis, prefix=prefix)
    mirror.append(1, "done")
    await mirror.flush()
    mirror.append(1, " (late)")
    mirror.finish(1)

    await mirror.flush()

    assert await mirror.text(1) is None


@pytest.mark.asyncio
async def test_a_reply_whose_text_was_lost_on_the_way_is_never_mirrored_again(
    redis: Redis, prefix: str
) -> None:
    reader = RedisLiveText(redis, prefix=prefix)
    await redis.set(f"{prefix}:live:1", "before ")  # what an earlier flush sent
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    mirror = RedisLiveText(unreachable, prefix=prefix)
    mirror.append(1, "lost ")
    with pytest.raises((RedisError, OSError)):
        await mirror.flush()
    await unreachable.aclose()

    mirror._redis = redis  # Redis answers again (the same client, reconnected)
    mirror.append(1, "after")
    await mirror.flush()

    # Not "before after": a gap is worse than no mirror (readers use the database then).
    assert await reader.text(1) is None


@pytest.mark.asyncio
async def test_a_mirror_emptied_by_a_redis_restart_is_not_read_with_a_gap(
    redis: Redis, prefix: str
) -> None:
    mirror = RedisLiveText(redis, prefix=prefix)
    mirror.append(1, "the first half, ")
    await mirror.flush()
    await redis.delete(f"{prefix}:live:1")  # Redis restarted empty between two flushes
    mirror.append(1, "the second half")

    await mirror.flush()
    mirror.append(1, " and more")
    await mirror.flush()

    # Not "the second half and more": readers use the database's checkpoint instead.
    assert await mirror.text(1) is None


@pytest.mark.asyncio
async def test_text_with_characters_of_several_bytes_keeps_its_place(
    redis: Redis, prefix: str
) -> None:
    mirror = RedisLiveText(redis, prefix=prefix)
    for part in ("déjà ", "vu ✓ ", "🙂 again"):
        mirror.append(1, part)
        await mirror.flush()

    assert await mirror.text(1) == "déjà vu ✓ 🙂 again"


@pytest.mark.asyncio
async def test_a_reply_continued_elsewhere_replaces_what_its_dead_worker_left(
    redis: Redis, prefix: str
) -> None:
    await redis.set(f"{prefix}:live:1", "what a killed worker mirrored")
    mirror = RedisLiveText(redis, prefix=prefix)
    mirror.append(1, "the continued text")
    await mirror.flush()

    assert await mirror.text(1) == "the continued text"
