"""Starred models per owner, on SQLite and PostgreSQL: once each, in the order starred."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from neural_terminal.store.engine import make_engine
from neural_terminal.store.favourite_models import FavouriteModelStore


@pytest.fixture
def store(database_url: str) -> Iterator[FavouriteModelStore]:
    engine: Engine = make_engine(database_url)
    yield FavouriteModelStore(engine)
    engine.dispose()


def test_stars_are_listed_in_the_order_they_were_given(store: FavouriteModelStore) -> None:
    store.add(owner_id=None, model_id="openai/gpt-4o")
    store.add(owner_id=None, model_id="anthropic/claude-3.5-sonnet")
    assert store.list(owner_id=None) == ["openai/gpt-4o", "anthropic/claude-3.5-sonnet"]


@pytest.mark.parametrize("owner_id", [pytest.param(None, id="local"), pytest.param(7, id="user")])
def test_starring_twice_keeps_one_star(store: FavouriteModelStore, owner_id: int | None) -> None:
    store.add(owner_id=owner_id, model_id="openai/gpt-4o")
    store.add(owner_id=owner_id, model_id="openai/gpt-4o")
    assert store.list(owner_id=owner_id) == ["openai/gpt-4o"]


def test_each_owner_has_their_own_stars(store: FavouriteModelStore) -> None:
    store.add(owner_id=1, model_id="openai/gpt-4o")
    store.add(owner_id=2, model_id="openai/gpt-4o")
    store.add(owner_id=2, model_id="sim/terminal-large")
    store.add(owner_id=None, model_id="sim/terminal-free:free")
    store.remove(owner_id=2, model_id="openai/gpt-4o")
    assert store.list(owner_id=1) == ["openai/gpt-4o"]
    assert store.list(owner_id=2) == ["sim/terminal-large"]
    assert store.list(owner_id=None) == ["sim/terminal-free:free"]


def test_unstarring_what_is_not_starred_changes_nothing(store: FavouriteModelStore) -> None:
    store.add(owner_id=None, model_id="openai/gpt-4o")
    store.remove(owner_id=None, model_id="sim/terminal-large")
    store.remove(owner_id=3, model_id="openai/gpt-4o")
    assert store.list(owner_id=None) == ["openai/gpt-4o"]
