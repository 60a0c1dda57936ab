"""Presets: named system prompts (with a model and a context strategy when set) that a new
conversation starts from; the default one applies to every new conversation."""

from __future__ import annotations

from neural_terminal.chat.library.shelves import check_system_prompt
from neural_terminal.domain.conversations import ContextStrategy, PresetInfo
from neural_terminal.domain.errors import ConversationNotFound, InvalidInput
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.conversations.preset_store import PresetStore

NAME_CHARS = 80


class Presets:
    """A viewer's presets."""

    def __init__(self, store: PresetStore) -> None:
        self._store = store

    def list(self, viewer: Viewer) -> list[PresetInfo]:
        """By name."""
        return self._store.list(owner_id=viewer.user_id)

    def default(self, viewer: Viewer) -> PresetInfo | None:
        """The one a new conversation starts from, if any."""
        return next((p for p in self.list(viewer) if p.is_default), None)

    def get(self, viewer: Viewer, preset_id: int) -> PresetInfo:
        """One of the viewer's (another's reads like a missing one)."""
        found = self._store.get(owner_id=viewer.user_id, preset_id=preset_id)
        if found is None:
            raise ConversationNotFound("That preset does not exist.", detail=f"preset={preset_id}")
        return found

    def save(
        self,
        viewer: Viewer,
        name: str,
        system_prompt: str,
        *,
        model: str | None = None,
        strategy: str | None = None,
    ) -> PresetInfo:
        """Save under ``name`` (one line, replacing a preset of that name)."""
        line = " ".join(name.split())
        if not line:
            raise InvalidInput("A preset needs a name.")
        if len(line) > NAME_CHARS:
            raise InvalidInput(f"A preset's name holds at most {NAME_CHARS} characters.")
        if strategy is not None and strategy not in tuple(ContextStrategy):
            strategy = None
        return self._store.save(
            owner_id=viewer.user_id,
            name=line,
            system_prompt=check_system_prompt(system_prompt),
            model=model or None,
            context_strategy=strategy,
        )

    def delete(self, viewer: Viewer, preset_id: int) -> None:
        """Remove it (conversations started from it keep their prompt)."""
        if not self._store.delete(owner_id=viewer.user_id, preset_id=preset_id):
            raise ConversationNotFound("That preset does not exist.", detail=f"preset={preset_id}")

    def make_default(self, viewer: Viewer, preset_id: int | None) -> None:
        """New conversations start from it (None: from nothing)."""
        if preset_id is not None:
            self.get(viewer, preset_id)
        self._store.set_default(owner_id=viewer.user_id, preset_id=preset_id)
