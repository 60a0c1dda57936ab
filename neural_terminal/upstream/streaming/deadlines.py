"""Two read timeouts httpx cannot tell apart: waiting for the first byte, and between chunks.

httpx has one read timeout for every read of a request, headers and body alike. A provider
may think for a long time before its first byte, yet a stream that falls silent half-way
has stalled; so the body is wrapped here and each wait gets its own limit.

A reply is one read per token, so the limits are kept by one timer per stream rather than a
timeout scope per read: a read only notes when it becomes overdue, and the timer, when it
fires, cancels the read if that moment has passed or moves itself to it. The timer fires
about once per limit, whatever the number of reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx


class FirstByteTimeout(httpx.ReadTimeout):
    """Nothing of the response body arrived within the first-byte timeout."""


class StallTimeout(httpx.ReadTimeout):
    """The body went silent for longer than the between-chunks timeout."""


class DeadlineByteStream(httpx.AsyncByteStream):
    """A response body whose first bytes are due by a deadline, and each later read in time."""

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        *,
        first_byte_deadline: float | None,
        between_chunks_s: float | None,
    ) -> None:
        self._inner = inner
        self._deadline = first_byte_deadline
        self._between_s = between_chunks_s

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._inner)
        watchdog = _Watchdog(asyncio.get_running_loop())
        started = False
        try:
            while True:
                watchdog.arm(self._between_s if started else self._until_deadline())
                try:
                    chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except asyncio.CancelledError as exc:
                    if not watchdog.expired():
                        raise
                    if started:
                        raise StallTimeout(f"no bytes for {self._between_s:g} s") from exc
                    raise FirstByteTimeout("no body bytes before the first-byte deadline") from exc
                finally:
                    watchdog.disarm()
                started = started or bool(chunk)
                yield chunk
        finally:
            watchdog.close()

    async def aclose(self) -> None:
        """Close the wrapped body (and with it the connection)."""
        await self._inner.aclose()

    def _until_deadline(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - asyncio.get_running_loop().time())


class _Watchdog:
    """Cancels the reading task when a read is still waiting at its due time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._task: asyncio.Task[object] | None = None
        self._due: float | None = None  # when the read in progress is overdue (None: none)
        self._timer: asyncio.TimerHandle | None = None
        self._cancelling = 0
        self._fired = False

    def arm(self, limit_s: float | None) -> None:
        """A read starts; it may wait ``limit_s`` seconds (None: for ever)."""
        if limit_s is None:
            return
        if self._task is None:  # one task reads the stream: looked up once, not per read
            self._task = asyncio.current_task()
        self._due = self._loop.time() + limit_s
        self._cancelling = self._task.cancelling() if self._task else 0
        if self._timer is None or self._timer.when() > self._due:
            self._schedule(self._due)

    def disarm(self) -> None:
        """The read ended; the timer stays and finds nothing to cancel."""
        self._due = None

    def expired(self) -> bool:
        """Whether the cancellation being handled is ours (and then absorb it)."""
        if not self._fired or self._task is None:
            return False
        self._fired = False
        return self._task.uncancel() <= self._cancelling

    def close(self) -> None:
        """The stream is done: no more timer."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(when, self._check)

    def _check(self) -> None:
        self._timer = None
        if self._due is None or self._task is None:
            return  # no read waits: the next one schedules afresh
        if self._loop.time() < self._due:
            self._schedule(self._due)
            return
        self._fired = True
        self._task.cancel()
