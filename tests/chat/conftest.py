"""A real context builder over a migrated SQLite file, with fake upstream and catalogue."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.context.summaries import Summariser
from neural_terminal.chat.context.window import WindowPolicy
from neural_terminal.domain.models import ModelInfo
from neural_terminal.store.conversations.context_store import ContextStore
from neural_terminal.store.engine import make_engine
from neural_terminal.tokens.counter import TokenCounter
from tests.fakes import FakeCatalogue, FakeCompletions

MODELS = (
    ModelInfo(id="m", name="M", context_length=1_000_000),
    ModelInfo(id="sim/tiny-window", name="Tiny", context_length=1_024),
    ModelInfo(id="openai/gpt-4o", name="GPT-4o", context_length=128_000),
    ModelInfo(id="openai/gpt-4", name="GPT-4", context_length=8_192),
    ModelInfo(id="anthropic/claude-3.5-sonnet", name="Claude", context_length=200_000),
)


@pytest.fixture
def db(database_url: str) -> Iterator[Engine]:
    """An engine on each migrated database (SQLite, and PostgreSQL when configured)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    built = make_engine(sqlite_url)
    yield built
    built.dispose()


@pytest.fixture
def catalogue() -> FakeCatalogue:
    return FakeCatalogue(*MODELS)


@pytest.fixture
def completions() -> FakeCompletions:
    return FakeCompletions()


@pytest.fixture
def counter() -> TokenCounter:
    return TokenCounter()


@pytest.fixture
def policy() -> WindowPolicy:
    return WindowPolicy()


@pytest.fixture
def context_builder(
    engine: Engine,
    catalogue: FakeCatalogue,
    completions: FakeCompletions,
    counter: TokenCounter,
    policy: WindowPolicy,
    bus: EventBus,
) -> ContextBuilder:
    store = ContextStore(engine)
    return ContextBuilder(
        store=store,
        counter=counter,
        catalogue=catalogue,
        bus=bus,
        policy=policy,
        summariser=Summariser(upstream=completions, store=store, counter=counter),
    )


@pytest.fixture
def bus() -> EventBus:
    return EventBus()
