"""Two read timeouts httpx cannot tell apart: waiting for the first byte, and between chunks.

httpx has one read timeout for every read of a request, headers and body alike. A provider
may think for a long time before its first byte, yet a stream that falls silent half-way
has stalled; so the body is wrapped here and each wait gets its own limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

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
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._inner = inner
        self._deadline = first_byte_deadline
        self._between_s = between_chunks_s
        self._clock = clock or asyncio.get_running_loop().time

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = aiter(self._inner)
        started = False
        while True:
            limit = self._between_s if started else self._until_deadline()
            try:
                async with asyncio.timeout(limit):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError as exc:
                if started:
                    raise StallTimeout(f"no bytes for {self._between_s:g} s") from exc
                raise FirstByteTimeout("no body bytes before the first-byte deadline") from exc
            started = started or bool(chunk)
            yield chunk

    async def aclose(self) -> None:
        """Close the wrapped body (and with it the connection)."""
        await self._inner.aclose()

    def _until_deadline(self) -> float | None:
        if self._deadline is None:
            return None
        return max(0.0, self._deadline - self._clock())
