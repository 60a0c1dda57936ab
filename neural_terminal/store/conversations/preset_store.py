"""Presets in the database, one owner's at a time (None: local mode's one owner)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Engine, update
from sqlmodel import col, select

from neural_terminal.domain.conversations import PresetInfo
from neural_terminal.store.engine import open_session
from neural_terminal.store.tables import Preset


def _info(row: Preset) -> PresetInfo:
    return PresetInfo(
        id=row.id or 0,
        name=row.name,
        system_prompt=row.system_prompt,
        model=row.model,
        context_strategy=row.context_strategy,
        is_default=row.is_default,
    )


def _owned(owner_id: int | None) -> ColumnElement[bool]:
    owner = col(Preset.owner_id)
    return owner.is_(None) if owner_id is None else owner == owner_id


class PresetStore:
    """Lists, saves (by name), deletes presets and marks the default, per owner."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(self, *, owner_id: int | None) -> list[PresetInfo]:
        """The owner's presets by name."""
        query = select(Preset).where(_owned(owner_id)).order_by(col(Preset.name))
        with open_session(self._engine) as session:
            return [_info(row) for row in session.exec(query)]

    def get(self, *, owner_id: int | None, preset_id: int) -> PresetInfo | None:
        """One of the owner's presets, or None (also for another's)."""
        query = select(Preset).where(_owned(owner_id), col(Preset.id) == preset_id)
        with open_session(self._engine) as session:
            row = session.exec(query).first()
            return _info(row) if row is not None else None

    def save(
        self,
        *,
        owner_id: int | None,
        name: str,
        system_prompt: str,
        model: str | None,
        context_strategy: str | None,
    ) -> PresetInfo:
        """Create the preset, or replace the one of that name."""
        with open_session(self._engine) as session:
            row = session.exec(
                select(Preset).where(_owned(owner_id), col(Preset.name) == name)
            ).first() or Preset(owner_id=owner_id, name=name)
            row.system_prompt = system_prompt
            row.model = model
            row.context_strategy = context_strategy
            session.add(row)
            session.commit()
            session.refresh(row)
            return _info(row)

    def delete(self, *, owner_id: int | None, preset_id: int) -> bool:
        """Remove one of the owner's presets; False when there was none."""
        with open_session(self._engine) as session:
            row = session.exec(
                select(Preset).where(_owned(owner_id), col(Preset.id) == preset_id)
            ).first()
            if row is None:
                return False
            session.delete(row)
            session.commit()
            return True

    def set_default(self, *, owner_id: int | None, preset_id: int | None) -> None:
        """Make one preset the default (None: no default), in one transaction."""
        with open_session(self._engine) as session:
            session.execute(update(Preset).where(_owned(owner_id)).values(is_default=False))
            if preset_id is not None:
                session.execute(
                    update(Preset)
                    .where(_owned(owner_id), col(Preset.id) == preset_id)
                    .values(is_default=True)
                )
            session.commit()
