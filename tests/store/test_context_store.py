"""Context queries on SQLite and PostgreSQL: light rows, counts, summaries, spend."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.engine import make_engine
from neural_terminal.store.tables import ContextStrategy, MessageStatus


@pytest.fixture
def store(database_url: str) -> Iterator[ContextStore]:
    engine = make_engine(database_url)
    yield ContextStore(engine)
    engine.dispose()


def test_a_path_comes_without_text_root_first_and_without_other_branches(
    repository: ChatRepository, store: ContextStore
) -> None:
    conversation = repository.create_conversation(model="m")
    cid = conversation.id

    def add(role: str, text: str, parent: int | None) -> int:
        message = repository.add_message(
            conversation_id=cid,
            role=role,
            content=text,
            parent_id=parent,
            token_count=7,
            token_encoding="o200k_base",
        )
        return message.id

    question = add("user", "a", None)
    failed = add("assistant", "", question)
    retried = add("assistant", "r", question)
    follow_up = add("user", "b", failed)
    other = add("user", "c", retried)

    path = store.path_rows(leaf_id=follow_up)
    assert [r.id for r in path] == [question, failed, follow_up]
    assert [r.has_text for r in path] == [True, False, True]
    assert [r.id for r in store.path_rows(leaf_id=other)] == [question, retried, other]
    assert store.path_rows(leaf_id=None) == []
    assert store.active_leaf(conversation_id=cid) == other  # the newest message added
    assert store.contents([question, follow_up]) == {question: "a", follow_up: "b"}


def test_recounts_are_stored(repository: ChatRepository, store: ContextStore) -> None:
    conversation = repository.create_conversation(model="m")
    message = repository.add_message(conversation_id=conversation.id or 0, role="user", content="x")
    assert message.token_count is None
    store.store_counts({message.id or 0: 9}, encoding="cl100k_base")
    stored = repository.get_message(message_id=message.id or 0)
    assert stored is not None
    assert (stored.token_count, stored.token_encoding) == (9, "cl100k_base")


def test_summaries_are_found_by_range_on_the_path_and_their_cost_is_spend(
    repository: ChatRepository, store: ContextStore
) -> None:
    conversation = repository.create_conversation(
        model="m", context_strategy=ContextStrategy.BOOKENDS
    )
    cid = conversation.id
    line = [
        repository.add_message(conversation_id=cid, role="user", content=f"m{i}").id
        for i in range(12)
    ]
    side = repository.add_message(
        conversation_id=cid, role="user", content="side", parent_id=line[5]
    ).id
    reply = repository.add_message(
        conversation_id=cid, role="assistant", content="r", status=MessageStatus.STREAMING
    )
    repository.finish_message(
        message_id=reply.id,
        content="r",
        status=MessageStatus.COMPLETE,
        cost_usd=Decimal("0.000001"),
    )
    for last, cost in ((line[9], "0.0000000001"), (side, "0.25")):
        store.add_summary(
            conversation_id=cid,
            first_message_id=line[2],
            last_message_id=last,
            message_count=4,
            content=f"up to {last}",
            model="m",
            prompt_tokens=1,
            completion_tokens=1,
            cost_usd=Decimal(cost),
        )
    found = store.find_summary(
        conversation_id=cid, first_message_id=line[2], last_message_id=line[9]
    )
    assert found is not None
    assert found.content == f"up to {line[9]}"

    # Only a summary ending on the path asked about serves it.
    def on_line(up_to: int) -> int | None:
        found = store.widest_summary(
            conversation_id=cid, first_message_id=line[2], up_to=up_to, leaf_id=line[11]
        )
        return found.last_message_id if found is not None else None

    assert on_line(side) == line[9]
    assert on_line(line[8]) is None
    on_side = store.widest_summary(
        conversation_id=cid, first_message_id=line[2], up_to=side, leaf_id=side
    )
    assert on_side is not None
    assert on_side.last_message_id == side
    assert [r.id for r in store.path_segment(first_id=line[2], last_id=line[9])] == line[2:10]
    assert [r.id for r in store.path_head(leaf_id=side, max_depth=2)] == line[:3]
    assert [r.id for r in store.path_page(from_id=line[11], limit=3)] == line[:8:-1]
    assert (store.depth(message_id=side), store.depth(message_id=None)) == (6, -1)
    assert repository.conversation_cost(conversation_id=cid) == Decimal("0.2500010001")
