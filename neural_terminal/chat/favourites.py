"""Favourite models: the ones a viewer starred, which the model picker lists first."""

from __future__ import annotations

from typing import Protocol

from neural_terminal.domain.errors import InvalidInput
from neural_terminal.domain.models import ModelInfo
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.favourite_models import FavouriteModelStore

# The longest id the table holds (model ids on OpenRouter are far shorter).
MODEL_ID_CHARS = 200


class ListedModels(Protocol):
    """What starring needs of the model catalogue (chat/catalogue.py)."""

    def get(self, model_id: str) -> ModelInfo | None:
        """A listed model, or None."""
        ...


class FavouriteModels:
    """A viewer's starred model ids, kept in the database so every tab and device agrees."""

    def __init__(self, store: FavouriteModelStore, catalogue: ListedModels) -> None:
        self._store = store
        self._catalogue = catalogue

    def starred(self, viewer: Viewer) -> list[str]:
        """The viewer's starred ids, oldest star first (ids the catalogue dropped included:
        the picker shows only the ones it lists, and they come back if the model does)."""
        return self._store.list(owner_id=viewer.user_id)

    def star(self, viewer: Viewer, model_id: str, *, starred: bool = True) -> list[str]:
        """Star (or unstar) ``model_id``; the viewer's starred ids after the change.

        Only a model the catalogue lists can be starred; unstarring always works."""
        if starred:
            if not model_id or len(model_id) > MODEL_ID_CHARS or not self._known(model_id):
                raise InvalidInput(
                    "Only a model of the list can be starred.", detail=f"model={model_id[:80]!r}"
                )
            self._store.add(owner_id=viewer.user_id, model_id=model_id)
        else:
            self._store.remove(owner_id=viewer.user_id, model_id=model_id)
        return self.starred(viewer)

    def _known(self, model_id: str) -> bool:
        return self._catalogue.get(model_id) is not None
