"""An asyncio event loop on a virtual clock, for tests of timeouts, pacing and batching.

Its clock stands still while anything is ready to run and jumps straight to the next timer
when nothing is, so ``asyncio.sleep``, ``asyncio.timeout`` and ``loop.call_later`` take no real
time and every ``loop.time()`` a test reads is exact: a busy machine cannot stretch a gap.
Only for code whose waiting is on timers and in-memory streams (``httpx.MockTransport``, ASGI
apps called directly): real sockets would see the clock run ahead of them.
"""

from __future__ import annotations

import asyncio
import math
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    """Polls without blocking; when nothing is ready, moves the clock to the next timer."""

    def __init__(self, clock: VirtualClockLoop) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready: list[tuple[selectors.SelectorKey, int]] = super().select(0)
        if ready:
            return ready
        if timeout is None:  # no timer at all: only a real event (another thread) can come
            blocked: list[tuple[selectors.SelectorKey, int]] = super().select(None)
            return blocked
        self._clock.advance(timeout)
        return ready


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is virtual, starting at 0.0."""

    def __init__(self) -> None:
        self._now = 0.0
        super().__init__(selector=_JumpingSelector(self))

    def time(self) -> float:
        """Virtual seconds since the loop was made."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward (the selector does this when the loop would sleep)."""
        if seconds > 0:
            # At least one step: a wait shorter than the clock's precision still passes.
            self._now = max(self._now + seconds, math.nextafter(self._now, math.inf))


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on a fresh virtual-clock loop."""
    with asyncio.Runner(loop_factory=VirtualClockLoop) as runner:
        return runner.run(main)
