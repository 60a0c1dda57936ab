"""Presets on SQLite and PostgreSQL: saved by name (again: replaced), one default per owner,
each owner's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from neural_terminal.chat.library.presets import Presets
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput
from neural_terminal.domain.viewer import LOCAL_OWNER, Viewer
from neural_terminal.store.conversations.preset_store import PresetStore
from neural_terminal.store.engine import make_engine


@pytest.fixture
def presets(database_url: str) -> Iterator[Presets]:
    engine = make_engine(database_url)
    yield Presets(PresetStore(engine))
    engine.dispose()


def test_saved_by_name_listed_by_name_and_one_default(presets: Presets) -> None:
    terse = presets.save(LOCAL_OWNER, "  terse  ", "Be terse.", model="m", strategy="bookends")
    presets.save(LOCAL_OWNER, "french", "Réponds en français.", strategy="nonsense")
    again = presets.save(LOCAL_OWNER, "terse", "Be very terse.")
    assert again.id == terse.id  # the same name replaces
    listed = presets.list(LOCAL_OWNER)
    assert [(p.name, p.system_prompt, p.model, p.context_strategy) for p in listed] == [
        ("french", "Réponds en français.", None, None),
        ("terse", "Be very terse.", None, None),
    ]
    assert presets.default(LOCAL_OWNER) is None
    presets.make_default(LOCAL_OWNER, terse.id)
    presets.make_default(LOCAL_OWNER, listed[0].id)
    default = presets.default(LOCAL_OWNER)
    assert default is not None
    assert default.name == "french"  # only one at a time
    presets.make_default(LOCAL_OWNER, None)
    assert presets.default(LOCAL_OWNER) is None
    presets.delete(LOCAL_OWNER, terse.id)
    assert [p.name for p in presets.list(LOCAL_OWNER)] == ["french"]
    with pytest.raises(InvalidInput, match="needs a name"):
        presets.save(LOCAL_OWNER, "  ", "x")
    with pytest.raises(InvalidInput, match="at most 20,000"):
        presets.save(LOCAL_OWNER, "huge", "x" * 20_001)


def test_each_owner_has_their_own(presets: Presets) -> None:
    alice, bob = Viewer(1), Viewer(2)
    hers = presets.save(alice, "mine", "Alice's rules")
    assert presets.list(bob) == []
    for touch in (
        lambda: presets.get(bob, hers.id),
        lambda: presets.delete(bob, hers.id),
        lambda: presets.make_default(bob, hers.id),
    ):
        with pytest.raises(ConversationNotFound, match="preset does not exist"):
            touch()
    assert [p.name for p in presets.list(alice)] == ["mine"]
