"""Replies and reservations name their worker; only a gone worker's rows are given up."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.stream_owners import GivenUp, StreamOwners


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _allow(_spend: object) -> None:
    """A budget decision that lets every reservation through."""


def _streaming_reply(engine: Engine, worker: str) -> tuple[int, int]:
    """A reply streaming on ``worker`` with its reservation: (message id, reservation id)."""
    repository = ChatRepository(engine, worker=worker)
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    _user, reply = repository.add_exchange(
        conversation_id=conversation.id,
        parent_id=None,
        user_text="hello",
        user_token_count=None,
        token_encoding=None,
        reply_model="m",
    )
    store = BudgetStore(engine, defaults=BudgetConfig(Decimal(5)), worker=worker)
    reservation = store.reserve(
        conversation_id=conversation.id, amount_usd=Decimal("0.01"), since=None, decide=_allow
    )
    assert reply.id is not None
    return reply.id, reservation


def test_a_gone_workers_replies_are_interrupted_and_its_reservations_released(
    engine: Engine,
) -> None:
    alive_reply, _ = _streaming_reply(engine, "worker-a")
    gone_reply, _ = _streaming_reply(engine, "worker-b")
    owners = StreamOwners(engine)
    assert owners.owners() == {"worker-a", "worker-b"}

    given_up = owners.give_up({"worker-b"}, reason="worker b stopped")

    assert given_up == GivenUp(replies=1, reservations=1)
    repository = ChatRepository(engine)
    gone = repository.get_message(message_id=gone_reply)
    alive = repository.get_message(message_id=alive_reply)
    assert gone is not None
    assert alive is not None
    assert (gone.status, gone.error) == (MessageStatus.INTERRUPTED.value, "worker b stopped")
    assert (alive.status, alive.error) == (MessageStatus.STREAMING.value, None)
    assert owners.owners() == {"worker-a"}
    assert not owners.give_up({"worker-b"}, reason="again")


def test_rows_from_before_owners_were_recorded_belong_to_no_live_worker(engine: Engine) -> None:
    _streaming_reply(engine, "worker-a")
    repository = ChatRepository(engine)
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    legacy = repository.add_message(
        conversation_id=conversation.id,
        role="assistant",
        content="half a rep",
        status=MessageStatus.STREAMING,
    )
    owners = StreamOwners(engine)
    assert owners.owners() == {"worker-a", None}

    assert owners.give_up({None}, reason="restarted") == GivenUp(replies=1, reservations=0)
    assert legacy.id is not None
    stored = repository.get_message(message_id=legacy.id)
    assert stored is not None
    assert stored.content == "half a rep"
    assert owners.owners() == {"worker-a"}


def test_a_continued_reply_belongs_to_the_worker_continuing_it(engine: Engine) -> None:
    reply, _ = _streaming_reply(engine, "worker-a")
    StreamOwners(engine).give_up({"worker-a"}, reason="gone")

    ChatRepository(engine, worker="worker-c").reopen(message_id=reply)

    assert StreamOwners(engine).owners() == {"worker-c"}
