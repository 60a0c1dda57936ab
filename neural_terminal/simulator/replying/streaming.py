"""The body of a streamed completion: paced token chunks, then usage and ``[DONE]``.

Wire format per OpenRouter's streaming docs (https://openrouter.ai/docs/api-reference/streaming)
and the SSE spec (https://html.spec.whatwg.org/multipage/server-sent-events.html).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass

from neural_terminal.simulator.records.generations import Generation
from neural_terminal.simulator.replying.chunks import (
    Envelope,
    delta_chunk,
    error_chunk,
    final_chunk,
    sse_event,
    usage_json,
)
from neural_terminal.simulator.requests.faults import (
    DropAfter,
    ErrorAfter,
    Fault,
    MalformedAfter,
    Stall,
    StallMid,
)

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"
MALFORMED = b"data: {not json\n\n"


class SimulatedDrop(Exception):
    """Raised inside a stream (fault ``drop-after-N``) so the server breaks the connection."""


@dataclass(frozen=True)
class StreamPlan:
    """Everything a stream will send, decided before the first byte."""

    envelope: Envelope
    pieces: Sequence[str]
    finish_reason: str
    tokens_per_second: float
    fault: Fault | None = None


async def sse_body(plan: StreamPlan, generation: Generation) -> AsyncGenerator[bytes, None]:
    """The body writes of a stream; ``generation`` counts the tokens each write delivered.

    Events holding multi-byte characters go out as two writes cut inside a character, as a
    real network may split them, so clients must decode bytes across reads.
    """
    try:
        async with aclosing(_events(plan, generation)) as events:
            async for data in events:
                for part in split_inside_character(data):
                    yield part
    finally:
        generation.cancel()  # no-op when the stream completed


async def _events(plan: StreamPlan, generation: Generation) -> AsyncGenerator[bytes, None]:
    fault, pieces = plan.fault, plan.pieces
    if isinstance(fault, Stall):
        await asyncio.sleep(fault.seconds)
    yield KEEPALIVE
    stop = len(pieces)
    if isinstance(fault, DropAfter | ErrorAfter | MalformedAfter):
        stop = min(stop, fault.tokens)
    pause = min(fault.tokens, stop) if isinstance(fault, StallMid) else stop
    sent = written = 0
    for begin, end in ((0, pause), (pause, stop)):
        if begin and isinstance(fault, StallMid):
            await asyncio.sleep(fault.seconds)
        async with aclosing(due_batches(end - begin, plan.tokens_per_second)) as batches:
            async for count in batches:
                batch = pieces[sent : sent + count]
                written += sum(len(piece) for piece in batch)
                generation.timeline.append((written, time.time()))
                yield b"".join(sse_event(delta_chunk(plan.envelope, piece)) for piece in batch)
                # Resumed: the write went out, so these tokens are billed if the client leaves.
                sent += count
                generation.completion_tokens = sent
    if isinstance(fault, DropAfter):
        raise SimulatedDrop(f"dropped after {sent} tokens")
    if isinstance(fault, ErrorAfter | MalformedAfter):
        if isinstance(fault, ErrorAfter):
            yield sse_event(error_chunk(plan.envelope, 502, "Provider returned error"))
        else:
            yield MALFORMED
        generation.complete("error")
        return
    usage = usage_json(generation.prompt_tokens, sent, generation.cost)
    yield sse_event(final_chunk(plan.envelope, plan.finish_reason, usage))
    generation.complete(plan.finish_reason)
    yield DONE


_ROUNDING = 1e-6  # of a token


async def due_batches(count: int, tokens_per_second: float) -> AsyncGenerator[int, None]:
    """Yield batch sizes adding up to ``count``, token ``i`` due at ``start + i / rate``.

    Following a schedule rather than sleeping once per token keeps the rate honest: a slow
    write or a coarse timer makes the next batch bigger instead of the whole stream slower.
    """
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while sent < count:
        # A token woken for exactly on time must count as due, whatever the float rounding.
        due = min(count, int((loop.time() - start) * tokens_per_second + _ROUNDING) + 1)
        if due > sent:
            yield due - sent
            sent = due
        else:
            await asyncio.sleep(start + sent / tokens_per_second - loop.time())


def split_inside_character(data: bytes) -> list[bytes]:
    """``data`` as two parts cut just after the first byte of its first multi-byte character."""
    for index, byte in enumerate(data):
        if byte >= 0xC0:  # a UTF-8 lead byte: at least one continuation byte follows
            return [data[: index + 1], data[index + 1 :]]
    return [data]
