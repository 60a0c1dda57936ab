"""The sweeper gives up the rows of workers without a lease, and nothing while it cannot tell."""

from __future__ import annotations

from collections.abc import Collection, Iterator

import pytest
from sqlalchemy import Engine

from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.stream_owners import GivenUp, StreamOwners
from neural_terminal.workers.leases import LocalLeases
from neural_terminal.workers.sweeper import Sweeper


class KnownLeases(LocalLeases):
    """Liveness as the test says: these workers alive, or None (Redis unreachable)."""

    def __init__(self, alive: set[str] | None) -> None:
        super().__init__("me")
        self.living = alive

    async def alive(self, workers: Collection[str]) -> set[str] | None:
        return None if self.living is None else set(workers) & self.living


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def _streaming_on(engine: Engine, worker: str) -> None:
    repository = ChatRepository(engine, worker=worker)
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    repository.add_exchange(
        conversation_id=conversation.id,
        parent_id=None,
        user_text="hi",
        user_token_count=None,
        token_encoding=None,
        reply_model="m",
    )


@pytest.mark.asyncio
async def test_only_workers_without_a_lease_lose_their_replies(engine: Engine) -> None:
    for worker in ("me", "alive", "dead"):
        _streaming_on(engine, worker)
    sweeper = Sweeper(StreamOwners(engine), KnownLeases({"me", "alive"}), every_s=1)

    assert await sweeper.sweep() == GivenUp(replies=1)
    assert StreamOwners(engine).owners() == {"me", "alive"}
    assert await sweeper.sweep() == GivenUp()


@pytest.mark.asyncio
async def test_nothing_is_given_up_while_liveness_cannot_be_read(engine: Engine) -> None:
    _streaming_on(engine, "dead")
    sweeper = Sweeper(StreamOwners(engine), KnownLeases(None), every_s=1)

    assert await sweeper.sweep() == GivenUp()
    assert StreamOwners(engine).owners() == {"dead"}


@pytest.mark.asyncio
async def test_one_process_gives_up_every_reply_of_an_earlier_start(engine: Engine) -> None:
    _streaming_on(engine, "earlier-start")
    sweeper = Sweeper(StreamOwners(engine), LocalLeases("this-start"), every_s=1)

    assert await sweeper.sweep() == GivenUp(replies=1)
