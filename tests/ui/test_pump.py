"""The frame pump: every piece of text reaches the browser, in order, coalesced."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from neural_terminal.ui.pump import FramePump


class Recorder:
    """A push target that records what it got and when, and signals a wanted text."""

    def __init__(self, wanted: str) -> None:
        self.pushed: list[str] = []
        self.times: list[float] = []
        self.wanted = wanted
        self.got_all = asyncio.Event()

    async def push(self, text: str) -> None:
        self.pushed.append(text)
        self.times.append(asyncio.get_running_loop().time())
        if text == self.wanted:
            self.got_all.set()


@pytest.mark.asyncio
async def test_a_burst_is_coalesced_and_nothing_is_dropped() -> None:
    pieces = [f"tok{i} " for i in range(2000)]
    recorder = Recorder("".join(pieces))

    async with FramePump(recorder.push, interval_s=0.05) as pump:
        for index, piece in enumerate(pieces):
            pump.add(piece)
            if index % 500 == 0:
                await asyncio.sleep(0)  # let the pump run between bursts
        await asyncio.wait_for(recorder.got_all.wait(), 5)

    assert recorder.pushed[-1] == "".join(pieces)
    assert len(recorder.pushed) < 10  # 2,000 pieces, a handful of frames
    # Every push is a prefix of the next: text only ever grows, in order.
    assert all(b.startswith(a) for a, b in itertools.pairwise(recorder.pushed))


@pytest.mark.asyncio
async def test_pushes_are_spaced_by_the_interval() -> None:
    recorder = Recorder("0123456789")

    async with FramePump(recorder.push, interval_s=0.05) as pump:
        for digit in "0123456789":
            pump.add(digit)
            await asyncio.sleep(0.01)  # a steady 100 pieces/s stream
        await asyncio.wait_for(recorder.got_all.wait(), 5)

    gaps = [b - a for a, b in itertools.pairwise(recorder.times)]
    assert len(recorder.pushed) < 10
    assert min(gaps) >= 0.045


@pytest.mark.asyncio
async def test_closing_waits_for_a_push_in_flight() -> None:
    release = asyncio.Event()
    started = asyncio.Event()
    finished: list[str] = []

    async def slow_push(text: str) -> None:
        started.set()
        await release.wait()
        finished.append(text)

    pump = FramePump(slow_push)
    async with pump:
        pump.add("x")
        await started.wait()
        asyncio.get_running_loop().call_soon(release.set)
    assert finished == ["x"]
