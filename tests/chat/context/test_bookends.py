"""Bookends: system prompt, first exchange, a cached model-written summary, the newest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.context.summaries import Summariser
from neural_terminal.chat.context.window import WindowPolicy
from neural_terminal.domain.chat import PromptMessage, Usage, UsageReport
from neural_terminal.domain.conversations import ContextStrategy, ConversationInfo
from neural_terminal.domain.errors import ProviderUnavailable
from neural_terminal.domain.events import ContextTruncated
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.tokens.counter import TokenCounter
from tests.chat.conftest import MODELS
from tests.chat.context.test_context import SYSTEM, TINY, chat_history, check_payload, store
from tests.fakes import FakeCatalogue, FakeCompletions, ScriptedCompletion


@pytest.fixture
def policy() -> WindowPolicy:
    """No slack: every growth of the dropped range needs a new summary."""
    return WindowPolicy(bookends_slack=0.0, summary_model="sim/terminal-small")


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


def bookends(repo: ChatRepository) -> ConversationInfo:
    return repo.create_conversation(
        model=TINY, system_prompt=SYSTEM, context_strategy=ContextStrategy.BOOKENDS
    )


def summary_reply(text: str, cost: str) -> ScriptedCompletion:
    usage = Usage(prompt_tokens=300, completion_tokens=20, cost=Decimal(cost))
    return ScriptedCompletion(text, UsageReport(usage, "stop"))


@pytest.mark.asyncio
async def test_the_middle_is_replaced_by_one_summary_requested_once(
    repo: ChatRepository,
    context_builder: ContextBuilder,
    completions: FakeCompletions,
    bus: EventBus,
) -> None:
    seen: list[ContextTruncated] = []
    bus.subscribe(ContextTruncated, seen.append)
    conversation = bookends(repo)
    history = chat_history(repo, conversation, 12)
    store(repo, conversation, "user", "what was my first question?")
    completions.enqueue(summary_reply("They discussed words 1 to 90.", "0.00042"))

    context = await context_builder.prepare(conversation)
    again = await context_builder.prepare(conversation)

    assert len(completions.history) == 1  # the second context reused the cached summary
    assert again.messages == context.messages
    check_payload(context)
    first_exchange = [
        PromptMessage("user", history[0].content),
        PromptMessage("assistant", history[1].content),
    ]
    assert list(context.messages[1:3]) == first_exchange
    summary = context.messages[3]
    assert summary.role == "system"
    assert summary.content.endswith("They discussed words 1 to 90.")
    assert f"{context.dropped_messages:,} earlier messages" in summary.content
    assert context.messages[-1] == PromptMessage("user", "what was my first question?")
    assert context.summary_id is not None
    assert not context.in_context(history[2].id or 0)
    assert context.in_context(history[0].id or 0)
    assert context.in_context(history[-1].id or 0)
    request = completions.history[0]
    assert request.model == "sim/terminal-small"
    assert request.max_tokens is not None
    assert history[2].content in request.messages[-1].content  # the dropped middle is summarised
    assert history[0].content not in request.messages[-1].content  # the kept head is not
    assert repo.conversation_cost(conversation_id=conversation.id or 0) == Decimal("0.00042")
    assert [e.dropped_messages for e in seen] == [context.dropped_messages] * 2


@pytest.mark.asyncio
async def test_a_grown_gap_gets_a_new_summary_built_on_the_old_one(
    repo: ChatRepository, context_builder: ContextBuilder, completions: FakeCompletions
) -> None:
    conversation = bookends(repo)
    chat_history(repo, conversation, 12)
    store(repo, conversation, "user", "next")
    completions.enqueue(summary_reply("FIRST SUMMARY", "0.0001"))
    before = await context_builder.prepare(conversation)
    store(repo, conversation, "assistant", "A reply " + "word " * 80)
    store(repo, conversation, "user", "and another one " + "word " * 80)
    completions.enqueue(summary_reply("SECOND SUMMARY", "0.0002"))

    after = await context_builder.prepare(conversation)

    assert len(completions.history) == 2
    assert after.dropped_messages > before.dropped_messages
    assert after.left_out_after == before.left_out_after  # same start, a longer range
    assert after.left_out_before > before.left_out_before
    assert after.messages[3].content.endswith("SECOND SUMMARY")
    rolling = completions.history[1].messages[-1].content
    assert rolling.startswith("Summary of the earlier part:\nFIRST SUMMARY")
    check_payload(after)
    assert repo.conversation_cost(conversation_id=conversation.id or 0) == Decimal("0.0003")


@pytest.mark.asyncio
async def test_with_slack_the_next_turn_reuses_the_summary(
    engine: Engine, repo: ChatRepository, completions: FakeCompletions, bus: EventBus
) -> None:
    store_ = ContextStore(engine)
    counter = TokenCounter()
    builder = ContextBuilder(
        store=store_,
        counter=counter,
        catalogue=FakeCatalogue(*MODELS),
        bus=bus,
        policy=WindowPolicy(bookends_slack=0.5),
        summariser=Summariser(upstream=completions, store=store_, counter=counter),
    )
    conversation = bookends(repo)
    chat_history(repo, conversation, 12)
    store(repo, conversation, "user", "next")
    completions.enqueue(summary_reply("S", "0.0001"))
    await builder.prepare(conversation)
    store(repo, conversation, "assistant", "short reply")
    store(repo, conversation, "user", "short question")

    context = await builder.prepare(conversation)

    assert len(completions.history) == 1
    check_payload(context)


@pytest.mark.asyncio
async def test_a_failed_summary_falls_back_to_the_sliding_window(
    repo: ChatRepository, context_builder: ContextBuilder, completions: FakeCompletions
) -> None:
    conversation = bookends(repo)
    chat_history(repo, conversation, 12)
    store(repo, conversation, "user", "next")
    completions.enqueue(ScriptedCompletion(error=ProviderUnavailable()))

    context = await context_builder.prepare(conversation)

    check_payload(context)
    assert context.truncated
    assert context.summary_id is None
    assert context.messages[1].content.startswith("[")  # the sliding marker
    assert repo.conversation_cost(conversation_id=conversation.id or 0) == Decimal(0)


@pytest.mark.asyncio
async def test_preview_estimates_without_writing_a_summary(
    repo: ChatRepository, context_builder: ContextBuilder, completions: FakeCompletions
) -> None:
    conversation = bookends(repo)
    history = chat_history(repo, conversation, 12)

    preview = context_builder.preview(conversation)

    assert completions.history == []
    assert preview.truncated
    assert preview.in_context(history[0].id or 0)
    assert not preview.in_context(history[2].id or 0)
    assert preview.prompt_tokens <= preview.window.tokens
