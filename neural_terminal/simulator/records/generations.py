"""What each served generation cost, for ``GET /api/v1/generation``; kept in memory, bounded."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from neural_terminal.simulator.records.catalogue import SimModel

GenerationState = Literal["running", "completed", "cancelled"]


@dataclass
class Generation:
    """One generation; a stream updates ``completion_tokens`` as its chunks are sent."""

    id: str
    model: SimModel
    prompt_tokens: int
    streamed: bool
    completion_tokens: int = 0
    finish_reason: str | None = None
    state: GenerationState = "running"
    created_at: float = field(default_factory=time.time)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    # Its record answers this long after it ended (OpenRouter's record can lag the stream).
    record_delay_s: float = 0.0
    ended_at: float | None = None
    # (code points of reply text written so far, wall-clock time of that write): benches
    # compare it with when the text appeared in a page to measure added latency.
    timeline: list[tuple[int, float]] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        """The billed cost of the tokens sent so far."""
        return self.model.cost(self.prompt_tokens, self.completion_tokens)

    def complete(self, finish_reason: str) -> None:
        """The generation ended on the server's terms (stop, length or an error event)."""
        self.finish_reason = finish_reason
        self._end("completed")

    def cancel(self) -> None:
        """The stream ended early: the client went away or the connection was dropped."""
        self._end("cancelled")

    def _end(self, state: GenerationState) -> None:
        if self.state == "running":
            self.state = state
            self.ended_at = time.monotonic()
            self.ended.set()

    def as_json(self, *, with_timeline: bool = False) -> dict[str, object]:
        """The ``data`` object of ``GET /generation`` (``timeline`` only when asked for)."""
        extra: dict[str, object] = {"sim_timeline": self.timeline} if with_timeline else {}
        return extra | {
            "id": self.id,
            "model": self.model.id,
            "provider_name": "Simulator",
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created_at)),
            "streamed": self.streamed,
            "cancelled": self.state == "cancelled",
            "finish_reason": self.finish_reason,
            "tokens_prompt": self.prompt_tokens,
            "tokens_completion": self.completion_tokens,
            "total_cost": self.cost,
            "usage": self.cost,
        }


class GenerationLog:
    """The last ``capacity`` generations by id."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, Generation] = OrderedDict()

    def add(self, generation: Generation) -> Generation:
        """Remember ``generation``, forgetting the oldest beyond capacity."""
        self._items[generation.id] = generation
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)
        return generation

    def get(self, generation_id: str) -> Generation | None:
        """The generation ``generation_id``, if it is still remembered."""
        return self._items.get(generation_id)

    async def settled(self, generation_id: str, wait_seconds: float) -> Generation | None:
        """The generation once it has ended; None if unknown or still running later.

        A client that aborts a stream and at once asks what it cost races the server noticing
        the disconnect; waiting briefly here answers that race like OpenRouter's eventual record.
        """
        generation = self.get(generation_id)
        if generation is None:
            return None
        try:
            await asyncio.wait_for(generation.ended.wait(), wait_seconds)
        except TimeoutError:
            return None
        if generation.ended_at is not None:
            lag = generation.ended_at + generation.record_delay_s - time.monotonic()
            if lag > 0:
                await asyncio.sleep(lag)
        return generation
