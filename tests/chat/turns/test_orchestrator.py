"""The orchestrator with a fake upstream and a real SQLite repository."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.orchestrator import STOPPED_BY_USER, ChatOrchestrator, collect
from neural_terminal.chat.turns.replies import ReplyDelta, ReplyFinished, ReplyStarted
from neural_terminal.chat.turns.turn import TurnRequest
from neural_terminal.domain.chat import TextDelta, Usage, UsageReport
from neural_terminal.domain.errors import (
    ContextTooLarge,
    ConversationNotFound,
    InvalidApiKey,
    InvalidInput,
    StreamInterrupted,
)
from neural_terminal.domain.events import MessageCompleted, MessageStarted, TokensGenerated
from neural_terminal.store.conversations.repository import ChatRepository
from tests.fakes import (
    FakeUpstream,
    Intervals,
    ScriptedReply,
    inline_checkpoints,
    streaming_turn,
)


def _reply(*texts: str, cost: str | None = "0.00002") -> ScriptedReply:
    usage = Usage(
        prompt_tokens=11,
        completion_tokens=len(texts),
        cost=Decimal(cost) if cost is not None else None,
    )
    return ScriptedReply([*(TextDelta(t) for t in texts), UsageReport(usage, "stop")])


@pytest.mark.asyncio
async def test_a_turn_stores_both_messages_with_usage(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="sim/terminal-small", system_prompt="Be brief.")
    assert conversation.id is not None
    upstream.enqueue(_reply("Hel", "lo", " there"))

    events = await collect(chat.send(conversation.id, "hi"))

    assert isinstance(events[0], ReplyStarted)
    assert [e.text for e in events if isinstance(e, ReplyDelta)] == ["Hel", "lo", " there"]
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is None
    user, reply = repo.list_messages(conversation_id=conversation.id)
    assert (user.role, user.content, user.status) == ("user", "hi", "complete")
    assert (reply.role, reply.content, reply.status) == ("assistant", "Hello there", "complete")
    assert reply.parent_id == user.id
    assert (reply.prompt_tokens, reply.completion_tokens) == (11, 3)
    assert reply.cost_usd == Decimal("0.00002")
    assert reply.generation_id == "gen-fake"
    assert reply.first_token_ms is not None
    assert reply.total_ms is not None
    assert reply.total_ms > reply.first_token_ms
    request = upstream.history[0]
    assert [(m.role, m.content) for m in request.messages] == [
        ("system", "Be brief."),
        ("user", "hi"),
    ]
    titled = repo.get_conversation(conversation_id=conversation.id)
    assert titled is not None
    assert titled.title == "hi"


@pytest.mark.asyncio
async def test_history_is_sent_and_failed_empty_replies_are_left_out(
    chat: ChatOrchestrator, upstream: FakeUpstream
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    upstream.enqueue(_reply("one"))
    await collect(chat.send(conversation.id, "first"))
    upstream.enqueue(ScriptedReply([], error_before_stream=InvalidApiKey()))
    await collect(chat.send(conversation.id, "second"))
    upstream.enqueue(_reply("three"))

    await collect(chat.send(conversation.id, "third"))

    assert [(m.role, m.content) for m in upstream.history[-1].messages] == [
        ("user", "first"),
        ("assistant", "one"),
        ("user", "second"),
        ("user", "third"),
    ]


@pytest.mark.asyncio
async def test_user_message_is_stored_before_the_network_call(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    seen_before_request: list[str] = []

    original = upstream.stream_chat

    def spying_stream_chat(request):
        assert conversation.id is not None
        seen_before_request.extend(
            m.content for m in repo.list_messages(conversation_id=conversation.id)
        )
        return original(request)

    upstream.stream_chat = spying_stream_chat  # type: ignore[method-assign]
    upstream.enqueue(ScriptedReply([], error_before_stream=InvalidApiKey()))

    events = await collect(chat.send(conversation.id, "my precious words"))

    assert "my precious words" in seen_before_request
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, InvalidApiKey)
    assert finished.message.status == "error"
    assert finished.message.error == InvalidApiKey.default_message
    user, reply = repo.list_messages(conversation_id=conversation.id)
    assert user.content == "my precious words"
    assert reply.status == "error"


@pytest.mark.asyncio
async def test_a_dropped_stream_keeps_the_partial_as_interrupted(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    upstream.enqueue(
        ScriptedReply(
            [TextDelta("partial "), TextDelta("text")],
            error_after_chunks=StreamInterrupted(detail="connection reset"),
        )
    )

    events = await collect(chat.send(conversation.id, "go"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert isinstance(finished.error, StreamInterrupted)
    reply = repo.list_messages(conversation_id=conversation.id)[-1]
    assert (reply.content, reply.status) == ("partial text", "interrupted")
    assert reply.error == StreamInterrupted.default_message
    assert reply.cost_usd is None  # no usage arrived; issue 3 adds the estimate


@pytest.mark.asyncio
async def test_stop_cancels_the_task_and_keeps_what_arrived(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    upstream.enqueue(ScriptedReply([TextDelta("so far")], hang_after_chunks=True))
    task = await streaming_turn(chat.send(conversation.id, "long one"))
    assert chat.is_streaming(conversation.id)

    assert chat.stop(conversation.id) is True
    with pytest.raises(asyncio.CancelledError):
        await task

    reply = repo.list_messages(conversation_id=conversation.id)[-1]
    assert (reply.content, reply.status, reply.error) == ("so far", "interrupted", STOPPED_BY_USER)
    assert upstream.closed == 1  # the upstream request was closed
    assert not chat.is_streaming(conversation.id)


@pytest.mark.asyncio
async def test_a_second_send_while_streaming_is_refused_and_stores_nothing(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    upstream.enqueue(ScriptedReply([TextDelta("busy")], hang_after_chunks=True))
    task = await streaming_turn(chat.send(conversation.id, "first"))

    with pytest.raises(InvalidInput, match="still streaming"):
        await collect(chat.send(conversation.id, "second"))

    chat.stop(conversation.id)
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [m.content for m in repo.list_messages(conversation_id=conversation.id)] == [
        "first",
        "busy",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [pytest.param("", "empty", id="empty"), pytest.param("  \n\t ", "empty", id="whitespace")],
)
@pytest.mark.asyncio
async def test_empty_messages_are_not_sent(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository, text: str, reason: str
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    with pytest.raises(InvalidInput, match=reason):
        await collect(chat.send(conversation.id, text))
    assert repo.list_messages(conversation_id=conversation.id) == []
    assert upstream.history == []


@pytest.mark.asyncio
async def test_a_message_over_the_limit_is_refused_with_its_size(
    repo: ChatRepository, upstream: FakeUpstream, context_builder: ContextBuilder
) -> None:
    chat = ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=EventBus(),
        turns=ActiveTurns(),
        context=context_builder,
        max_message_chars=10,
    )
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    with pytest.raises(InvalidInput, match="11 characters; the limit is 10"):
        await collect(chat.send(conversation.id, "x" * 11))
    assert upstream.history == []


@pytest.mark.asyncio
async def test_a_100_kb_paste_is_sent_and_stored_intact(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    paste = ("line with ünïcode 🙂\n" * 5000)[:100_000]
    upstream.enqueue(_reply("ok"))

    await collect(chat.send(conversation.id, paste))

    assert upstream.history[0].messages[-1].content == paste
    assert repo.list_messages(conversation_id=conversation.id)[0].content == paste


@pytest.mark.asyncio
async def test_unknown_conversation_is_refused(chat: ChatOrchestrator) -> None:
    with pytest.raises(ConversationNotFound):
        await collect(chat.send(999, "hello"))


@pytest.mark.asyncio
async def test_checkpoints_save_the_partial_reply_while_streaming(
    repo: ChatRepository, upstream: FakeUpstream, context_builder: ContextBuilder
) -> None:
    intervals = Intervals()
    chat = ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=EventBus(),
        turns=ActiveTurns(),
        context=context_builder,
        max_message_chars=1000,
        checkpoints=inline_checkpoints(repo, intervals),
    )
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    upstream.enqueue(ScriptedReply([TextDelta(c) for c in "abcdefgh"], hang_after_chunks=True))
    stored: list[str] = []

    async def consume() -> None:
        assert conversation.id is not None
        async for event in chat.send(conversation.id, "go"):
            if isinstance(event, ReplyDelta):
                if event.text in "cf":  # an interval ends after "c" and after "f"
                    await intervals.elapse()
                stored.append(repo.list_messages(conversation_id=conversation.id)[-1].content)
                if event.text == "h":
                    chat.stop(conversation.id)

    with pytest.raises(asyncio.CancelledError):
        await asyncio.create_task(consume())
    # Between intervals the stored text stands still; at each one it catches up exactly.
    assert stored == ["", "", "abc", "abc", "abc", "abcdef", "abcdef", "abcdef"]
    assert repo.list_messages(conversation_id=conversation.id)[-1].content == "abcdefgh"


@pytest.mark.asyncio
async def test_events_are_published_and_a_failing_subscriber_breaks_nothing(
    chat: ChatOrchestrator, upstream: FakeUpstream, bus: EventBus
) -> None:
    seen: list[object] = []

    def explode(_event: object) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(MessageStarted, explode)
    bus.subscribe(TokensGenerated, seen.append)
    bus.subscribe(MessageCompleted, seen.append)
    conversation = chat.create_conversation(model="m")
    assert conversation.id is not None
    upstream.enqueue(_reply("a", "b"))

    events = await collect(chat.send(conversation.id, "hi"))

    assert isinstance(events[-1], ReplyFinished)
    assert events[-1].error is None
    assert [type(e).__name__ for e in seen] == [
        "TokensGenerated",
        "TokensGenerated",
        "MessageCompleted",
    ]
    completed = seen[-1]
    assert isinstance(completed, MessageCompleted)
    assert completed.cost_usd == Decimal("0.00002")


@pytest.mark.asyncio
async def test_a_message_that_cannot_fit_is_refused_before_anything_is_stored(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="sim/tiny-window", system_prompt="rule " * 740)
    with pytest.raises(ContextTooLarge):
        chat.preview(TurnRequest.send(conversation.id, "x " * 2000))

    with pytest.raises(ContextTooLarge):
        await collect(chat.send(conversation.id, "x " * 2000))

    assert upstream.history == []  # never a silent upstream 400
    # Nothing stored: the words stay in the composer, with the reason beside them.
    assert repo.list_messages(conversation_id=conversation.id) == []


@pytest.mark.asyncio
async def test_an_oversized_message_is_announced_then_sent_cut(
    chat: ChatOrchestrator, upstream: FakeUpstream, repo: ChatRepository
) -> None:
    conversation = chat.create_conversation(model="sim/tiny-window")
    assert conversation.id is not None
    text = "start " + "filler " * 3000 + "end"
    notice = chat.preview(TurnRequest.send(conversation.id, text)).notice
    assert notice is not None
    assert "left out" in notice
    upstream.enqueue(_reply("ok"))

    events = await collect(chat.send(conversation.id, text))

    started = events[0]
    assert isinstance(started, ReplyStarted)
    assert started.notice == notice
    assert started.context is not None
    assert started.context.elided_tokens > 0
    sent = upstream.history[0].messages[-1].content
    assert sent.startswith("start filler")
    assert sent.endswith("filler end")
    assert len(sent) < len(text)
    user, reply = repo.list_messages(conversation_id=conversation.id)
    assert user.content == text
    assert (user.token_count, user.token_encoding) == (3 + 1 + 3002, "cl100k_base")
    assert reply.token_count is not None
