"""Transport-level test doubles: real httpx byte streams, no patching."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterable

import httpx


class RecordingStream(httpx.AsyncByteStream):
    """A response body that yields ``parts``, then raises, hangs or ends; records ``aclose``."""

    def __init__(
        self,
        parts: Iterable[bytes],
        *,
        then_raise: Exception | None = None,
        then_hang: bool = False,
    ) -> None:
        self.parts = list(parts)
        self.then_raise = then_raise
        self.then_hang = then_hang
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part
        if self.then_raise is not None:
            raise self.then_raise
        if self.then_hang:
            await asyncio.Event().wait()  # like a provider that stopped sending

    async def aclose(self) -> None:
        self.closed = True


def split_at(body: bytes, *indices: int) -> list[bytes]:
    """``body`` cut at each of ``indices``."""
    bounds = [0, *indices, len(body)]
    return [body[start:end] for start, end in itertools.pairwise(bounds)]
