"""Batching a turn for the browser: in order, nothing dropped or duplicated, coalesced.

Turns that pace their deltas run on a virtual clock (tests/virtual_time.py), so the spacing
of batches is exact and a busy machine cannot change how text is coalesced.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator

import pytest

from neural_terminal.chat.markdown.blocks import block_ends
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyEvent, ReplyFinished, ReplyStarted
from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.ui.chat.live.reply_batches import ReplyBatch, ReplyBatcher, frame_interval
from tests import virtual_time

USER = StoredMessage(id=1, conversation_id=1, role="user", content="q")
DONE = ReplyFinished(StoredMessage(id=2, conversation_id=1, role="assistant", content="done"))


async def turn(
    pieces: list[str], *, pause_every: int = 0, pause_s: float = 0.002
) -> AsyncGenerator[ReplyEvent, None]:
    """A scripted turn; sleeping between deltas stands in for an upstream's token rate."""
    yield ReplyStarted(user_message=USER, assistant_message_id=2)
    for index, piece in enumerate(pieces):
        if pause_every and index % pause_every == 0:
            await asyncio.sleep(pause_s)
        yield ReplyDelta(piece)
    yield DONE


async def collect(batcher: ReplyBatcher) -> list[ReplyBatch]:
    return [batch async for batch in batcher.batches()]


def test_a_burst_arrives_whole_in_order_with_exact_offsets() -> None:
    pieces = [f"tök{i}🙂 " for i in range(5000)]

    batches = virtual_time.run(
        collect(ReplyBatcher(turn(pieces, pause_every=250), interval_s=0.02))
    )

    assert batches[0].started is not None
    assert batches[-1].finished is DONE
    assert "".join(b.text for b in batches) == "".join(pieces)
    for before, after in itertools.pairwise(batches):
        assert after.offset == before.offset + len(before.text)  # code points, no gap/overlap
    # 5,000 deltas in 20 bursts 2 ms apart, 20 ms between batches: a handful of frames.
    assert len(batches) <= 10


def test_batches_are_spaced_by_the_interval_and_gather_what_came_meanwhile() -> None:
    async def main() -> list[tuple[float, str]]:
        loop = asyncio.get_running_loop()
        steady = turn(list("abcdefghij"), pause_every=1, pause_s=0.01)  # 100 deltas/s
        return [
            (loop.time(), batch.text)
            async for batch in ReplyBatcher(steady, interval_s=0.033).batches()
        ]

    # Deltas at 0.01, 0.02, ... 0.10 s. The start goes out at once, then one batch per 33 ms
    # with what gathered meanwhile; the turn's end is not held back for the interval.
    assert virtual_time.run(main()) == [
        (0.0, ""),
        (pytest.approx(0.033), "abc"),
        (pytest.approx(0.066), "def"),
        (pytest.approx(0.099), "ghi"),
        (pytest.approx(0.100), "j"),
    ]


@pytest.mark.asyncio
async def test_refusal_before_anything_is_stored_is_reported() -> None:
    async def refused() -> AsyncGenerator[ReplyEvent, None]:
        raise InvalidInput("A reply is still streaming")
        yield  # pragma: no cover

    batcher = ReplyBatcher(refused())
    assert await collect(batcher) == []
    assert isinstance(batcher.refused, InvalidInput)


@pytest.mark.asyncio
async def test_cancelling_the_turn_task_ends_the_batches_as_stopped() -> None:
    holding = asyncio.Event()
    turn_task: list[asyncio.Task[object]] = []

    async def endless() -> AsyncGenerator[ReplyEvent, None]:
        task = asyncio.current_task()
        assert task is not None
        turn_task.append(task)
        yield ReplyStarted(user_message=USER, assistant_message_id=2)
        yield ReplyDelta("partial")
        holding.set()
        await asyncio.Event().wait()
        yield DONE  # pragma: no cover

    batcher = ReplyBatcher(endless())
    seen: list[str] = []
    async for batch in batcher.batches():
        seen.append(batch.text)
        if holding.is_set():
            turn_task[0].cancel()  # what Stop does
    assert "".join(seen) == "partial"
    assert batcher.stopped


@pytest.mark.parametrize(
    ("base", "streams", "interval"),
    [
        pytest.param(0.04, 1, 0.04, id="one-reply"),
        pytest.param(0.04, 10, 0.04, id="ten"),
        pytest.param(0.04, 20, 0.08, id="twenty"),
        pytest.param(0.04, 100, 0.1, id="hundred-capped"),
        pytest.param(0.1, 1, 0.1, id="the-default"),
        pytest.param(0.1, 100, 0.1, id="the-default-with-a-hundred"),
        pytest.param(0.25, 100, 0.25, id="slower-than-the-cap-kept"),
    ],
)
def test_updates_are_spaced_out_when_many_replies_stream(
    base: float, streams: int, interval: float
) -> None:
    assert frame_interval(streams, base_s=base) == pytest.approx(interval)


@pytest.mark.parametrize("every", [1, 3, 50])
def test_batches_say_where_finished_markdown_blocks_end(every: int) -> None:
    text = "# Title\n\n- one\n- two\n\n```\ncode\n\nmore\n```\n\nlast para"
    pieces = [text[i : i + 2] for i in range(0, len(text), 2)]

    batches = virtual_time.run(
        collect(ReplyBatcher(turn(pieces, pause_every=every), interval_s=0.02))
    )

    ends = [end for batch in batches for end in batch.block_ends]
    assert ends == block_ends(text)
    assert [text[a:b] for a, b in itertools.pairwise([0, *ends])] == [
        "# Title\n",
        "\n- one\n- two\n\n",
        "```\ncode\n\nmore\n```\n",
    ]
    for batch in batches:  # each end arrives with the text that finished its block
        assert all(end <= batch.offset + len(batch.text) for end in batch.block_ends)
