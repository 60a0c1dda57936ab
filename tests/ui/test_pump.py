"""The frame pump: every piece of text reaches the browser, in order, coalesced."""

from __future__ import annotations

import asyncio

import pytest

from neural_terminal.ui.pump import FramePump


@pytest.mark.asyncio
async def test_a_burst_is_coalesced_and_nothing_is_dropped() -> None:
    pushed: list[str] = []

    async def push(text: str) -> None:
        pushed.append(text)

    pieces = [f"tok{i} " for i in range(2000)]
    async with FramePump(push, interval_s=0.05) as pump:
        for piece in pieces:
            pump.add(piece)
            if len(pushed) == 0:
                await asyncio.sleep(0)  # let the first push go out at once
        while not pushed or pushed[-1] != "".join(pieces):
            await asyncio.sleep(0.01)

    assert pushed[-1] == "".join(pieces)
    assert len(pushed) < 10  # 2,000 pieces, a handful of frames
    # Every push is a prefix of the next: text only ever grows, in order.
    assert all(b.startswith(a) for a, b in zip(pushed, pushed[1:], strict=False))


@pytest.mark.asyncio
async def test_pushes_are_spaced_by_the_interval() -> None:
    times: list[float] = []
    loop = asyncio.get_running_loop()

    async def push(_text: str) -> None:
        times.append(loop.time())

    async with FramePump(push, interval_s=0.05) as pump:
        for i in range(6):
            pump.add(str(i))
            while len(times) <= i // 2:
                await asyncio.sleep(0.005)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps
    assert min(gaps) >= 0.045


@pytest.mark.asyncio
async def test_closing_waits_for_a_push_in_flight() -> None:
    release = asyncio.Event()
    finished: list[str] = []

    async def slow_push(text: str) -> None:
        await release.wait()
        finished.append(text)

    pump = FramePump(slow_push)
    async with pump:
        pump.add("x")
        await asyncio.sleep(0)
        asyncio.get_running_loop().call_later(0.02, release.set)
    assert finished == ["x"]
