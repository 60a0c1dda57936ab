"""Accounts over a real migrated database, a clock that moves only when told, cheap argon2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from neural_terminal.accounts import AccountServices, build_accounts
from neural_terminal.store.engine import make_engine
from tests.fakes import CountingHasher, ManualClock


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def accounts(engine: Engine, clock: ManualClock, hasher: CountingHasher) -> AccountServices:
    return build_accounts(engine, clock=clock, hasher=hasher)
