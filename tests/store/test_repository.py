"""The repository on a real migrated database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.conversations import Checkpoint
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.tables import ContextStrategy, MessageStatus


def test_conversations_list_newest_activity_first(repository: ChatRepository) -> None:
    first = repository.create_conversation(model="sim/terminal-small", title="first")
    second = repository.create_conversation(model="sim/terminal-small", title="second")
    assert [c.title for c in repository.list_conversations()] == ["second", "first"]

    assert first.id is not None
    repository.add_message(conversation_id=first.id, role="user", content="bump")

    assert [c.id for c in repository.list_conversations()] == [first.id, second.id]


def test_a_new_conversation_is_handed_up_as_stored(repository: ChatRepository) -> None:
    created = repository.create_conversation(
        model="m",
        title="t",
        system_prompt="be brief",
        context_strategy=ContextStrategy.BOOKENDS,
        owner_id=7,
    )
    assert created.id
    assert created == repository.get_conversation(conversation_id=created.id)
    assert (created.title, created.owner_id, created.active_leaf_id) == ("t", 7, None)
    assert created.context_strategy == ContextStrategy.BOOKENDS.value


def test_messages_keep_order_content_and_system_prompt(repository: ChatRepository) -> None:
    conversation = repository.create_conversation(
        model="m", system_prompt="You are terse.", title="t"
    )
    assert conversation.id is not None
    texts = ["héllo 中文 🙂", "x" * 100_000, "<iframe srcdoc='<script>'>"]
    for text in texts:
        repository.add_message(conversation_id=conversation.id, role="user", content=text)

    stored = repository.list_messages(conversation_id=conversation.id)
    assert [m.content for m in stored] == texts
    reloaded = repository.get_conversation(conversation_id=conversation.id)
    assert reloaded is not None
    assert reloaded.system_prompt == "You are terse."


def test_finish_message_stores_usage_cost_and_timings(repository: ChatRepository) -> None:
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    user = repository.add_message(conversation_id=conversation.id, role="user", content="q")
    reply = repository.add_message(
        conversation_id=conversation.id,
        role="assistant",
        content="",
        status=MessageStatus.STREAMING,
        parent_id=user.id,
    )
    assert reply.id is not None
    repository.checkpoint(message_id=reply.id, content="partial")
    assert repository.get_message(message_id=reply.id).content == "partial"  # type: ignore[union-attr]

    done = repository.finish_message(
        message_id=reply.id,
        content="partial and the rest",
        status=MessageStatus.COMPLETE,
        generation_id="gen-1",
        prompt_tokens=12,
        completion_tokens=34,
        reasoning_tokens=5,
        cached_tokens=6,
        cost_usd=Decimal("0.000123456789"),
        first_token_ms=210,
        total_ms=1500,
    )

    again = repository.get_message(message_id=reply.id)
    assert again is not None
    assert again.content == "partial and the rest"
    assert again.status == "complete"
    assert again.parent_id == user.id
    assert (again.prompt_tokens, again.completion_tokens) == (12, 34)
    assert (again.reasoning_tokens, again.cached_tokens) == (5, 6)
    assert again.cost_usd == Decimal("0.000123456789")
    assert (again.first_token_ms, again.total_ms) == (210, 1500)
    assert done.generation_id == "gen-1"


def test_money_sums_exactly_in_the_database(repository: ChatRepository) -> None:
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    for _ in range(50):
        message = repository.add_message(
            conversation_id=conversation.id, role="assistant", content="x"
        )
        assert message.id is not None
        repository.finish_message(
            message_id=message.id,
            content="x",
            status=MessageStatus.COMPLETE,
            cost_usd=Decimal("0.0000001"),
        )
    # 50 x 1e-7 as floats would be 4.999999999999999e-06.
    assert repository.conversation_cost(conversation_id=conversation.id) == Decimal("0.000005")


def test_float_money_is_refused(repository: ChatRepository) -> None:
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    message = repository.add_message(conversation_id=conversation.id, role="assistant", content="")
    assert message.id is not None
    with pytest.raises(Exception, match="Decimal"):
        repository.finish_message(
            message_id=message.id,
            content="",
            status=MessageStatus.COMPLETE,
            cost_usd=0.1,  # type: ignore[arg-type]
        )


def test_a_checkpoint_keeps_the_text_and_its_estimate(repository: ChatRepository) -> None:
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    reply = repository.add_message(
        conversation_id=conversation.id,
        role="assistant",
        content="",
        status=MessageStatus.STREAMING,
    )
    assert reply.id is not None

    repository.checkpoint(message_id=reply.id, content="Half")
    plain = repository.get_message(message_id=reply.id)
    repository.checkpoint(
        message_id=reply.id,
        content="Half a re",
        prompt_tokens=12,
        completion_tokens=3,
        cost_usd=Decimal("0.0000105"),
    )
    priced = repository.get_message(message_id=reply.id)

    assert plain is not None
    assert (plain.content, plain.cost_usd, plain.cost_is_estimate) == ("Half", None, False)
    assert priced is not None
    assert (priced.content, priced.prompt_tokens, priced.completion_tokens) == ("Half a re", 12, 3)
    assert (priced.cost_usd, priced.cost_is_estimate) == (Decimal("0.0000105"), True)
    assert priced.status == "streaming"


def test_reopen_puts_an_interrupted_reply_back_to_streaming(repository: ChatRepository) -> None:
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    reply = repository.add_message(
        conversation_id=conversation.id,
        role="assistant",
        content="Half",
        status=MessageStatus.INTERRUPTED,
        error="dropped",
    )
    assert reply.id is not None

    reopened = repository.reopen(message_id=reply.id)

    assert (reopened.status, reopened.error, reopened.content) == ("streaming", None, "Half")
    with pytest.raises(LookupError):
        repository.reopen(message_id=999_999)


def test_checkpoints_of_several_replies_land_together_and_never_overwrite_newer_text(
    repository: ChatRepository,
) -> None:
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    first, second, finished = (
        repository.add_message(
            conversation_id=conversation.id,
            role="assistant",
            content="",
            status=MessageStatus.STREAMING,
            parent_id=None,
        )
        for _ in range(3)
    )
    repository.checkpoint(message_id=second.id, content="already longer")
    repository.finish_message(
        message_id=finished.id, content="final", status=MessageStatus.COMPLETE
    )

    repository.checkpoint_many(
        [
            Checkpoint(first.id, "one", 10, 1, Decimal("0.000001")),
            Checkpoint(second.id, "late"),  # shorter than what is stored: an older checkpoint
            Checkpoint(finished.id, "late and long"),  # the reply is no longer streaming
        ]
    )

    stored = {m.id: m for m in repository.list_messages(conversation_id=conversation.id)}
    assert (stored[first.id].content, stored[first.id].cost_usd) == ("one", Decimal("0.000001"))
    assert stored[first.id].cost_is_estimate
    assert stored[second.id].content == "already longer"
    assert (stored[finished.id].content, stored[finished.id].status) == ("final", "complete")
