"""Writes to a page's state from a background handler that outlast a Redis outage.

With several workers, Reflex keeps page state in Redis and takes a lock there for each
``async with state``. A reply keeps streaming while Redis is down (its text goes straight to
the page's socket, page_calls.py), so the write that ends it must wait for Redis rather than
die with the handler: the page would otherwise show the reply streaming for ever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FIRST_RETRY_S = 0.25
LONGEST_RETRY_S = 2.0


async def write_when_possible(
    state: AbstractAsyncContextManager[object],
    write: Callable[[], object],
    *,
    within_s: float = 60.0,
    first_retry_s: float = FIRST_RETRY_S,
) -> bool:
    """Run ``write`` under the state's lock, retrying while its store cannot be reached;
    False when ``within_s`` passed first (the page rebuilds from the database when it next
    connects: the reply itself is stored by then)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    pause = first_retry_s
    while True:
        try:
            async with state:
                write()
            return True
        except (RedisError, OSError) as exc:
            if loop.time() + pause >= deadline:
                logger.error("page state not written (its store stays unreachable): %s", exc)
                return False
            logger.warning("page state not written yet (retrying): %s", exc)
            await asyncio.sleep(pause)
            pause = min(LONGEST_RETRY_S, pause * 2)
