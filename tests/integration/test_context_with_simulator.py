"""The context window against the simulator over HTTP: its count is ours, and no 400s."""

from __future__ import annotations

import pytest

from neural_terminal.bootstrap import Services
from neural_terminal.chat.turns.orchestrator import collect
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyFinished, ReplyStarted
from neural_terminal.domain.events import ContextTruncated
from neural_terminal.store.tables import ContextStrategy


async def _turn(
    services: Services, conversation_id: int, text: str
) -> tuple[ReplyStarted, ReplyFinished]:
    events = await collect(services.chat.send(conversation_id, text))
    started, finished = events[0], events[-1]
    assert isinstance(started, ReplyStarted)
    assert isinstance(finished, ReplyFinished)
    return started, finished


@pytest.mark.asyncio
async def test_our_prompt_count_is_the_simulators_prompt_tokens(services: Services) -> None:
    await services.catalogue.models()
    conversation = services.chat.create_conversation(
        model="sim/terminal-small", system_prompt="Answer like a terminal. 終端 🙂"
    )
    assert conversation.id is not None
    for text in ("first question, ünïcode e\u0301", "second: 中文 and emoji 👩‍👩‍👧", "third"):
        started, finished = await _turn(services, conversation.id, text)
        assert finished.error is None
        assert started.context is not None
        assert finished.message.prompt_tokens == started.context.prompt_tokens
    last = started.context
    assert last is not None
    assert len(last.messages) == 1 + 4 + 1  # system, 2 exchanges, the question
    assert not last.truncated


@pytest.mark.asyncio
@pytest.mark.parametrize("strategy", [ContextStrategy.SLIDING, ContextStrategy.BOOKENDS])
async def test_a_conversation_outgrowing_a_tiny_window_never_gets_a_400(
    services: Services, strategy: ContextStrategy
) -> None:
    await services.catalogue.models()
    truncations: list[ContextTruncated] = []
    services.bus.subscribe(ContextTruncated, truncations.append)
    conversation = services.chat.create_conversation(
        model="sim/tiny-window", system_prompt="Stay in character.", context_strategy=strategy
    )
    assert conversation.id is not None

    for i in range(6):
        started, finished = await _turn(
            services, conversation.id, f"turn {i}: tell me more [[sim:tokens=150]]"
        )
        assert finished.error is None, finished.error
        assert finished.message.status == "complete"
        assert started.context is not None
        assert finished.message.prompt_tokens == started.context.prompt_tokens
        assert started.context.prompt_tokens <= started.context.window.tokens
        assert started.context.messages[0].content == "Stay in character."

    assert truncations
    assert all(t.window_tokens == 1024 - 256 for t in truncations)
    preview = services.chat.context_preview(conversation.id)
    _, messages = services.chat.load(conversation.id)
    assert not preview.in_context(messages[2].id or 0)
    assert preview.in_context(messages[-1].id or 0)
    if strategy is ContextStrategy.BOOKENDS:
        assert services.chat.conversation_cost(conversation.id) > sum(
            m.cost_usd or 0 for m in messages
        )  # the summaries' cost counts too


@pytest.mark.asyncio
@pytest.mark.parametrize("strategy", [ContextStrategy.SLIDING, ContextStrategy.BOOKENDS])
async def test_retry_regenerate_and_continue_fit_a_tiny_window_in_a_long_conversation(
    services: Services, strategy: ContextStrategy
) -> None:
    """They answer their own path through the same context window as a send: the simulator
    refuses a prompt larger than its window with a 400, and none comes."""
    await services.catalogue.models()
    conversation = services.chat.create_conversation(
        model="sim/tiny-window", system_prompt="Stay in character.", context_strategy=strategy
    )
    for i in range(5):
        await _turn(services, conversation.id, f"turn {i}: tell me more [[sim:tokens=150]]")
    cut = services.chat.send(conversation.id, "one more [[sim:tokens=200]]")
    async for event in cut:  # stopped after some text, as Stop does
        if isinstance(event, ReplyDelta) and event.text.strip():
            await cut.aclose()
            break
    partial = services.chat.load(conversation.id)[1][-1]
    assert (partial.status, bool(partial.content)) == ("interrupted", True)

    for kind, turn in (
        ("retry", services.chat.retry_reply(partial.id)),
        ("regenerate", services.chat.regenerate(partial.id)),
        ("continue", services.chat.continue_reply(partial.id)),  # the first attempt, still cut
    ):
        events = await collect(turn)
        started, finished = events[0], events[-1]
        assert isinstance(started, ReplyStarted)
        assert isinstance(finished, ReplyFinished)
        assert finished.error is None, (kind, finished.error)
        assert started.context is not None
        assert started.context.truncated
        assert started.context.prompt_tokens <= started.context.window.tokens
        carried = (partial.prompt_tokens or 0) if kind == "continue" else 0
        assert finished.message.prompt_tokens == carried + started.context.prompt_tokens
