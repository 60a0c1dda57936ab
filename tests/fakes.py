"""Small fakes for unit tests: scripted upstreams with ``enqueue`` and ``history``, a catalogue,
clocks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher

from neural_terminal.chat.turns.checkpoints import CheckpointWriter, Due
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyEvents
from neural_terminal.domain.chat import ChatRequest, StreamChunk, UsageReport
from neural_terminal.domain.models import ModelInfo
from neural_terminal.store.conversations.repository import ChatRepository


@dataclass
class ScriptedReply:
    """What one request gets: chunks in order, then optionally an error or a hang."""

    chunks: list[StreamChunk]
    error_before_stream: Exception | None = None
    error_after_chunks: Exception | None = None
    hang_after_chunks: bool = False


@dataclass
class FakeStream:
    """An open fake stream."""

    reply: ScriptedReply
    generation_id: str | None = "gen-fake"
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aiter__(self) -> AsyncIterator[StreamChunk]:
        for chunk in self.reply.chunks:
            await asyncio.sleep(0)
            yield chunk
        if self.reply.error_after_chunks is not None:
            raise self.reply.error_after_chunks
        if self.reply.hang_after_chunks:
            await asyncio.Event().wait()


class FakeUpstream:
    """Plays queued replies in order and records every request and whether it was closed."""

    def __init__(self) -> None:
        self.queue: list[ScriptedReply] = []
        self.history: list[ChatRequest] = []
        self.closed = 0
        self.waiting = asyncio.Event()

    def enqueue(self, *replies: ScriptedReply) -> None:
        """Script the next requests' replies, in order."""
        self.queue.extend(replies)

    @asynccontextmanager
    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[FakeStream]:
        """Open the next scripted reply."""
        self.history.append(request)
        reply = self.queue.pop(0)
        if reply.error_before_stream is not None:
            raise reply.error_before_stream
        try:
            yield FakeStream(reply)
        finally:
            self.closed += 1


@dataclass
class ScriptedCompletion:
    """What one non-streaming request gets: text and usage, or an error."""

    text: str = ""
    report: UsageReport | None = None
    error: Exception | None = None


class FakeCompletions:
    """A scripted non-streaming upstream (summaries): ``enqueue`` replies, read ``history``."""

    def __init__(self) -> None:
        self.queue: list[ScriptedCompletion] = []
        self.history: list[ChatRequest] = []

    def enqueue(self, reply: ScriptedCompletion) -> None:
        """Script the next request's reply."""
        self.queue.append(reply)

    async def complete(self, request: ChatRequest) -> tuple[str, UsageReport | None]:
        """Answer with the next scripted completion."""
        self.history.append(request)
        reply = self.queue.pop(0)
        if reply.error is not None:
            raise reply.error
        return reply.text, reply.report


class FakeCatalogue:
    """A model catalogue with a fixed list; counts how often it was fetched."""

    def __init__(self, *models: ModelInfo) -> None:
        self._models = {model.id: model for model in models}
        self.fetches = 0

    def get(self, model_id: str) -> ModelInfo | None:
        """A listed model, or None."""
        return self._models.get(model_id)

    async def models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Every listed model."""
        self.fetches += 1
        return list(self._models.values())


class Ticker:
    """A clock that advances a fixed step on every read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


async def streaming_turn(
    turn: ReplyEvents,
) -> asyncio.Task[None]:
    """Run ``turn`` in its own task (as the UI does) and return once its first text arrived."""
    got_text = asyncio.Event()

    async def consume() -> None:
        async with contextlib.aclosing(turn) as events:
            async for event in events:
                if isinstance(event, ReplyDelta):
                    got_text.set()

    task = asyncio.create_task(consume())
    await got_text.wait()
    return task


class ManualClock:
    """A wall clock (zone-aware UTC) that stands still until a test advances it."""

    def __init__(self, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        """Move the clock forward by ``by``."""
        self.now += by


class CountingHasher(PasswordHasher):
    """A real argon2id hasher with the smallest parameters, counting its verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verifies = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        """Count, then verify as argon2-cffi does."""
        self.verifies += 1
        return super().verify(hash, password)


class Intervals:
    """The sleep of an interval task, released one interval at a time by the test.

    ``await intervals.elapse()`` ends the task's current sleep and returns once the task has
    done that interval's work and sleeps again, so what the work did can be asserted at once.
    """

    def __init__(self) -> None:
        self._asleep = asyncio.Event()
        self._wake = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self._asleep.set()
        await self._wake.wait()
        self._wake.clear()

    async def elapse(self) -> None:
        """One interval passes; returns when the task sleeps again (its work is done)."""
        await self._asleep.wait()
        self._asleep.clear()
        self._wake.set()
        await self._asleep.wait()


async def inline(write: Callable[[list[Due]], None], due: list[Due]) -> None:
    """Run a checkpoint write on the loop itself: deterministic, for tests."""
    write(due)


def inline_checkpoints(repository: ChatRepository, intervals: Intervals) -> CheckpointWriter:
    """A CheckpointWriter whose intervals the test releases and whose writes run inline."""
    return CheckpointWriter(repository, sleep=intervals, in_thread=inline)
