"""ActiveTurns with worker leases: a claim refused elsewhere is refused here, Stop travels,
and a stopping worker drains."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from neural_terminal.chat.turns.active import DRAINING, SHUTTING_DOWN, ActiveTurns
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.workers.leases import LocalLeases


class OtherWorkers(LocalLeases):
    """Leases where conversations in ``taken`` stream on another worker; Stop requests are
    recorded."""

    def __init__(self, taken: Collection[int] = ()) -> None:
        super().__init__("me")
        self.taken = set(taken)
        self.released: list[int] = []
        self.stops: list[int] = []

    @property
    def shared(self) -> bool:
        return True

    async def claim_turn(self, conversation_id: int) -> bool:
        return conversation_id not in self.taken

    def release_turn(self, conversation_id: int) -> None:
        self.released.append(conversation_id)

    def request_stop(self, conversation_id: int) -> None:
        self.stops.append(conversation_id)


@pytest.mark.asyncio
async def test_a_conversation_streaming_on_another_worker_is_busy_here() -> None:
    turns = ActiveTurns(OtherWorkers(taken={7}))

    with pytest.raises(InvalidInput, match="still streaming"):
        await turns.claim_shared(7)
    assert not turns.is_active(7)  # the local claim was given back
    await turns.claim_shared(8)
    assert turns.is_active(8)


@pytest.mark.asyncio
async def test_ending_a_turn_releases_its_lease_and_stop_goes_to_the_owner() -> None:
    leases = OtherWorkers()
    turns = ActiveTurns(leases)
    await turns.claim_shared(8)
    turns.end(8)
    assert leases.released == [8]

    assert turns.stop(9) is True  # not streaming here: the owner is asked
    assert leases.stops == [9]
    assert turns.stop_here(9) is False


@pytest.mark.asyncio
async def test_draining_finishes_short_replies_and_cuts_the_rest() -> None:
    turns = ActiveTurns(OtherWorkers())
    finished = asyncio.Event()
    reasons: list[str] = []

    async def reply(conversation_id: int, *, forever: bool) -> None:
        await turns.claim_shared(conversation_id)
        turns.bind(conversation_id)
        try:
            if forever:
                await asyncio.Event().wait()
            await finished.wait()
        except asyncio.CancelledError as exc:
            reasons.extend(str(arg) for arg in exc.args)
            raise
        finally:
            turns.end(conversation_id)

    short = asyncio.create_task(reply(1, forever=False))
    long = asyncio.create_task(reply(2, forever=True))
    await asyncio.sleep(0)
    finished.set()

    cut = await turns.drain(grace_s=0.05)

    assert cut == 1
    assert short.done()
    assert not short.cancelled()
    assert long.cancelled()
    assert reasons == [SHUTTING_DOWN]
    with pytest.raises(InvalidInput, match=DRAINING[:20]):
        await turns.claim_shared(3)
