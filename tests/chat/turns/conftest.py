"""The chat service over a real SQLite repository and context builder, with a fake upstream."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.turns.active import ActiveTurns
from neural_terminal.chat.turns.orchestrator import ChatOrchestrator
from neural_terminal.store.conversations.repository import ChatRepository
from tests.fakes import FakeUpstream, Ticker


@pytest.fixture
def repo(engine: Engine) -> ChatRepository:
    return ChatRepository(engine)


@pytest.fixture
def upstream() -> FakeUpstream:
    return FakeUpstream()


@pytest.fixture
def chat(
    repo: ChatRepository, upstream: FakeUpstream, bus: EventBus, context_builder: ContextBuilder
) -> ChatOrchestrator:
    return ChatOrchestrator(
        repository=repo,
        upstream=upstream,
        bus=bus,
        turns=ActiveTurns(),
        context=context_builder,
        max_message_chars=200_000,
        clock=Ticker(0.1),
    )
