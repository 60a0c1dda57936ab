"""A reply's final write waits out a database that is away (restarting), and lands."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.orchestrator import ChatOrchestrator, collect
from neural_terminal.chat.turns.replies import ReplyFinished
from neural_terminal.chat.turns.streaming import Resilience
from neural_terminal.domain.chat import TextDelta
from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.store.conversations.repository import ChatRepository
from tests.fakes import FakeUpstream, ScriptedReply, Ticker


class RestartingDatabase(ChatRepository):
    """A repository whose first ``fail`` final writes find the database gone."""

    def __init__(self, engine: Engine, fail: int) -> None:
        super().__init__(engine)
        self.fail = fail
        self.attempts = 0

    def finish_message(self, **kwargs: Any) -> StoredMessage:
        self.attempts += 1
        if self.attempts <= self.fail:
            raise OperationalError("UPDATE messages", {}, Exception("server closed connection"))
        return super().finish_message(**kwargs)


def _chat(
    repo: ChatRepository, bus: EventBus, context_builder: ContextBuilder, pauses: list[float]
) -> tuple[ChatOrchestrator, FakeUpstream]:
    async def pause(seconds: float) -> None:
        pauses.append(seconds)

    upstream = FakeUpstream()
    chat = ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=bus,
        turns=ActiveTurns(),
        context=context_builder,
        max_message_chars=200_000,
        resilience=Resilience(sleep=pause),
        clock=Ticker(0.1),
    )
    return chat, upstream


@pytest.mark.asyncio
async def test_the_final_write_is_retried_until_the_database_answers(
    engine: Engine, bus: EventBus, context_builder: ContextBuilder
) -> None:
    repo = RestartingDatabase(engine, fail=3)
    pauses: list[float] = []
    chat, upstream = _chat(repo, bus, context_builder, pauses)
    conversation = chat.create_conversation(model="openai/gpt-4o-mini")
    upstream.enqueue(ScriptedReply([TextDelta("all "), TextDelta("of it")]))

    events = await collect(chat.send(conversation.id, "hi"))

    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert finished.error is None
    assert (finished.message.status, finished.message.content) == ("complete", "all of it")
    assert repo.attempts == 4
    assert pauses == [0.5, 1.0, 2.0]  # backing off while the database restarts


@pytest.mark.asyncio
async def test_a_database_gone_for_good_fails_the_write_after_the_budget(
    engine: Engine, bus: EventBus, context_builder: ContextBuilder
) -> None:
    repo = RestartingDatabase(engine, fail=10_000)
    pauses: list[float] = []
    chat, upstream = _chat(repo, bus, context_builder, pauses)
    conversation = chat.create_conversation(model="openai/gpt-4o-mini")
    upstream.enqueue(ScriptedReply([TextDelta("lost?")]))

    with pytest.raises(OperationalError):
        await collect(chat.send(conversation.id, "hi"))

    assert sum(pauses[:-1]) < 60 <= sum(pauses)
