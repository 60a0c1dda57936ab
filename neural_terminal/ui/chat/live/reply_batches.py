"""Coalesce a turn's events into at most one browser update per frame, dropping nothing.

Reflex resends the whole value of a changed var, so the reply in progress is not a var: each
batch carries only the new text and its offset (in code points) for the page to append.
Each batch also says where the reply's finished markdown blocks end (chat/markdown/blocks.py),
so the page draws them as markdown while the block being written stays plain text. The turn
runs in its own task, so Stop (which cancels that task) never interrupts the handler that talks
to the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from neural_terminal.chat.markdown.blocks import BlockSplitter
from neural_terminal.chat.turns.replies import (
    ReplyDelta,
    ReplyEvent,
    ReplyEvents,
    ReplyFinished,
    ReplyRetrying,
    ReplyStarted,
)
from neural_terminal.domain.errors import NeuralTerminalError


@dataclass
class ReplyBatch:
    """What happened since the previous batch."""

    started: ReplyStarted | None = None
    retrying: ReplyRetrying | None = None
    offset: int = 0
    text: str = ""
    finished: ReplyFinished | None = None
    # The reply's live cost estimate after the last delta of the batch (None: unpriced).
    cost_usd: Decimal | None = None
    # Where markdown blocks that this batch's text finished end, in code points from the start.
    block_ends: list[int] = field(default_factory=list)

    def is_empty(self) -> bool:
        """True when there is nothing to send."""
        nothing = self.started is None and self.retrying is None and self.finished is None
        return nothing and not self.text


@dataclass
class ReplyBatcher:
    """``async for batch in ReplyBatcher(chat.start(request)).batches(): ...``."""

    events: ReplyEvents
    interval_s: float | Callable[[], float] = 0.04
    refused: NeuralTerminalError | None = None
    stopped: bool = False
    _pending: list[ReplyEvent] = field(default_factory=list)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _done: bool = False

    async def batches(self) -> AsyncIterator[ReplyBatch]:
        """Batches in order; the first text goes out at once, then one per ``interval_s``."""
        loop = asyncio.get_running_loop()
        consumer = asyncio.create_task(self._consume())
        offset = 0
        splitter = BlockSplitter()
        last_sent = -math.inf
        try:
            while True:
                await self._wake.wait()
                pause = last_sent + self._interval() - loop.time()
                if pause > 0 and not self._done:
                    await asyncio.sleep(pause)  # rate limit: more text gathers meanwhile
                self._wake.clear()
                done = self._done  # read before taking the events: nothing can slip past
                batch = _fold(self._pending, offset)
                self._pending = []
                if not batch.is_empty():
                    offset += len(batch.text)
                    batch.block_ends = splitter.feed(batch.text)
                    last_sent = loop.time()
                    yield batch
                if done:
                    return
        finally:
            if not consumer.done():
                consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await consumer

    def _interval(self) -> float:
        return self.interval_s() if callable(self.interval_s) else self.interval_s

    async def _consume(self) -> None:
        try:
            async with contextlib.aclosing(self.events) as events:
                async for event in events:
                    self._pending.append(event)
                    self._wake.set()
        except asyncio.CancelledError:
            self.stopped = True  # Stop cancelled this task; the partial reply is stored
        except NeuralTerminalError as exc:
            self.refused = exc  # refused before anything was stored (a limit, a busy turn...)
        finally:
            self._done = True
            self._wake.set()


def _fold(events: list[ReplyEvent], offset: int) -> ReplyBatch:
    batch = ReplyBatch(offset=offset)
    parts: list[str] = []
    for event in events:
        if isinstance(event, ReplyDelta):
            parts.append(event.text)
            batch.cost_usd = event.cost_usd if event.cost_usd is not None else batch.cost_usd
        elif isinstance(event, ReplyStarted):
            batch.started = event
            # A continued reply starts from the text it already has, at offset 0.
            if event.resumed_text:
                parts.append(event.resumed_text)
        elif isinstance(event, ReplyRetrying):
            batch.retrying = event
        else:
            batch.finished = event
    batch.text = "".join(parts)
    return batch


def frame_interval(streams: int, *, base_s: float, per_streams: int = 10) -> float:
    """Seconds between browser updates of one reply (``base_s`` at most, the setting
    NEURAL_TERMINAL_PAGE_UPDATE_S), given how many replies stream at once.

    Each update costs the backend, and the page, about the same CPU whatever its size, so
    with many replies streaming at once updates are spaced out (up to 0.1 s) to keep the
    process ahead of them: queueing behind a saturated event loop adds far more latency than
    a wider batch does.
    """
    return min(max(0.1, base_s), base_s * max(1.0, streams / per_streams))
