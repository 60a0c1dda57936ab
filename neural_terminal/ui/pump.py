"""Coalesce streamed text into at most one browser update per frame, dropping nothing.

Reflex sends the whole value of a changed var on every update, so pushing per token would
cost O(n²) bytes and flood the socket. The pump pushes the text accumulated so far as soon
as it changes, then waits ``interval_s`` before the next push.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from types import TracebackType

Push = Callable[[str], Awaitable[None]]


class FramePump:
    """``async with FramePump(push) as pump: pump.add(text)``; every change reaches push."""

    def __init__(self, push: Push, *, interval_s: float = 0.04) -> None:
        self._push = push
        self._interval_s = interval_s
        self._parts: list[str] = []
        self._dirty = asyncio.Event()
        self._closed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.pushes = 0

    @property
    def text(self) -> str:
        """Everything added so far."""
        return "".join(self._parts)

    def add(self, text: str) -> None:
        """Queue ``text`` for the next push."""
        self._parts.append(text)
        self._dirty.set()

    async def __aenter__(self) -> FramePump:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed.set()
        self._dirty.set()
        if self._task is not None:
            # Let a push in flight finish: cancelling it mid-update could leave state locked.
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._dirty.wait()
            if self._closed.is_set():
                return  # the caller writes the final state itself
            self._dirty.clear()
            await self._push(self.text)
            self.pushes += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), self._interval_s)
