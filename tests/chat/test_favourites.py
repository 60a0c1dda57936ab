"""Favourite models: only listed models are starred; each viewer keeps their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from neural_terminal.chat.favourites import FavouriteModels
from neural_terminal.domain.errors import InvalidInput
from neural_terminal.domain.models import ModelInfo
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.engine import make_engine
from neural_terminal.store.favourite_models import FavouriteModelStore
from tests.fakes import FakeCatalogue

LOCAL = Viewer()
ALICE = Viewer(1)


@pytest.fixture
def favourites(sqlite_url: str) -> Iterator[FavouriteModels]:
    engine = make_engine(sqlite_url)
    catalogue = FakeCatalogue(
        ModelInfo(id="openai/gpt-4o", name="GPT-4o", context_length=128_000),
        ModelInfo(id="sim/terminal-free:free", name="Free", context_length=8_192),
    )
    yield FavouriteModels(FavouriteModelStore(engine), catalogue)
    engine.dispose()


def test_a_star_is_kept_and_given_back(favourites: FavouriteModels) -> None:
    assert favourites.star(LOCAL, "sim/terminal-free:free") == ["sim/terminal-free:free"]
    assert favourites.star(LOCAL, "openai/gpt-4o") == ["sim/terminal-free:free", "openai/gpt-4o"]
    assert favourites.star(LOCAL, "sim/terminal-free:free", starred=False) == ["openai/gpt-4o"]
    assert favourites.starred(LOCAL) == ["openai/gpt-4o"]


def test_viewers_do_not_share_stars(favourites: FavouriteModels) -> None:
    favourites.star(ALICE, "openai/gpt-4o")
    assert favourites.starred(LOCAL) == []
    assert favourites.starred(ALICE) == ["openai/gpt-4o"]


@pytest.mark.parametrize(
    "model_id",
    [
        pytest.param("", id="empty"),
        pytest.param("nobody/unlisted", id="unlisted"),
        pytest.param("x" * 201, id="too-long"),
    ],
)
def test_only_a_listed_model_can_be_starred(favourites: FavouriteModels, model_id: str) -> None:
    with pytest.raises(InvalidInput, match="Only a model of the list"):
        favourites.star(LOCAL, model_id)
    assert favourites.starred(LOCAL) == []


def test_an_unlisted_model_can_still_be_unstarred(favourites: FavouriteModels) -> None:
    assert favourites.star(LOCAL, "nobody/unlisted", starred=False) == []
