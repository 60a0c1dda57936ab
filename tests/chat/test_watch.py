"""ConversationWatch wakes the waiters of a conversation that changed, and only those."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from neural_terminal.chat.watch import ConversationWatch, Signature


def sig(count: int) -> Signature:
    """A conversation of ``count`` messages, nothing else set."""
    return Signature(count, None, "t")


class Signatures:
    """Conversations' signatures as the test sets them; counts the reads."""

    def __init__(self) -> None:
        self.now: dict[int, Signature] = {1: sig(1), 2: sig(1)}
        self.reads: list[list[int]] = []

    def read(self, ids: Collection[int]) -> dict[int, Signature]:
        self.reads.append(sorted(ids))
        return {i: self.now[i] for i in ids if i in self.now}


@pytest.mark.asyncio
async def test_a_change_wakes_its_waiters_with_the_new_signature() -> None:
    signatures = Signatures()
    watch = ConversationWatch(signatures.read, every_s=3600)  # polled by hand below
    waiting = asyncio.create_task(watch.changed(1, sig(1), timeout_s=60))
    other = asyncio.create_task(watch.changed(2, sig(1), timeout_s=60))
    await asyncio.sleep(0)
    await watch.poll()
    assert not waiting.done()

    signatures.now[1] = sig(2)
    await watch.poll()

    assert await asyncio.wait_for(waiting, 5) == sig(2)
    assert not other.done()
    assert signatures.reads[-1] == [1, 2]  # one query for every watched conversation
    other.cancel()


@pytest.mark.asyncio
async def test_a_change_before_the_first_poll_is_seen() -> None:
    signatures = Signatures()
    watch = ConversationWatch(signatures.read, every_s=3600)
    signatures.now[1] = sig(5)  # changed after the tab read sig(1)
    waiting = asyncio.create_task(watch.changed(1, sig(1), timeout_s=60))
    await asyncio.sleep(0)
    await watch.poll()

    assert await asyncio.wait_for(waiting, 5) == sig(5)


@pytest.mark.asyncio
async def test_without_a_change_the_wait_ends_with_what_was_seen() -> None:
    watch = ConversationWatch(Signatures().read, every_s=3600)

    assert await watch.changed(1, sig(1), timeout_s=0) == sig(1)
