"""Checkpoints of every reply in flight: one transaction per interval, off the event loop.

A server that dies loses at most about one interval of text, and what it leaves behind is
already priced (as an estimate). Written one reply at a time on the event loop, these writes
and the budget reads after them were 40% of the backend's CPU with 100 replies streaming
(bench/load.py); gathered, they cost one transaction and one allowance read per interval.

Each reply's spend watch hears the live estimate it was checkpointed with (its reservation
grows to it, so other tabs and workers count it) and gets its allowance re-read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.chat.spend.watch import SpendWatch
from neural_terminal.domain.conversations import Checkpoint
from neural_terminal.repeated_failures import RepeatedFailures
from neural_terminal.store.conversations.repository import ChatRepository

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Due:
    """One reply's checkpoint, with its spend watch and the live estimate it was taken at."""

    checkpoint: Checkpoint
    watch: SpendWatch | None = None
    live_usd: Decimal | None = None


# Runs a blocking call without blocking the loop (tests run it inline, deterministically).
InThread = Callable[[Callable[[list[Due]], None], list[Due]], Awaitable[None]]


async def in_worker_thread(write: Callable[[list[Due]], None], due: list[Due]) -> None:
    """Run ``write(due)`` in asyncio's default thread pool."""
    await asyncio.to_thread(write, due)


# A reply in flight, asked once per interval for its checkpoint (None: nothing new since).
Source = Callable[[], Due | None]


class CheckpointWriter:
    """Runs while replies stream; every ``interval_s`` writes what each has new."""

    def __init__(
        self,
        repository: ChatRepository,
        *,
        interval_s: float = 1.0,
        sleep: Sleep = asyncio.sleep,
        in_thread: InThread | None = None,
    ) -> None:
        self._repo = repository
        self._interval_s = interval_s
        self._sleep = sleep
        self._in_thread = in_thread or in_worker_thread
        self._sources: dict[int, Source] = {}
        self._task: asyncio.Task[None] | None = None
        self._failures = RepeatedFailures(logger, "checkpoint of the live replies")

    def add(self, message_id: int, source: Source) -> None:
        """Checkpoint reply ``message_id`` from now on, until :meth:`remove`."""
        self._sources[message_id] = source
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, message_id: int) -> None:
        """The reply ends (its final write follows): no more checkpoints of it."""
        self._sources.pop(message_id, None)

    async def flush(self) -> None:
        """Write every reply's new text now (one transaction, in a worker thread)."""
        due = [d for source in list(self._sources.values()) if (d := source()) is not None]
        if due:
            await self._in_thread(self._write, due)

    async def _run(self) -> None:
        while self._sources:
            await self._sleep(self._interval_s)
            try:
                await self.flush()
            except Exception:  # a failed checkpoint must not end the replies: the next retries
                self._failures.failed()
            else:
                self._failures.worked()

    def _write(self, due: list[Due]) -> None:
        self._repo.checkpoint_many([d.checkpoint for d in due])
        SpendWatch.checkpoint_all([(d.watch, d.live_usd) for d in due if d.watch is not None])
