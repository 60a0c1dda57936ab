"""The models each owner starred (None: local mode's one owner), oldest star first."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Engine, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from neural_terminal.store.engine import open_session
from neural_terminal.store.tables import FavouriteModel


def _owned(owner_id: int | None) -> ColumnElement[bool]:
    owner = col(FavouriteModel.owner_id)
    return owner.is_(None) if owner_id is None else owner == owner_id


class FavouriteModelStore:
    """Lists, stars and unstars model ids, per owner; starring twice keeps one row."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def list(self, *, owner_id: int | None) -> list[str]:
        """The owner's starred model ids, in the order they were starred."""
        query = (
            select(FavouriteModel.model_id)
            .where(_owned(owner_id))
            .order_by(col(FavouriteModel.created_at), col(FavouriteModel.id))
        )
        with open_session(self._engine) as session:
            return list(session.exec(query))

    def add(self, *, owner_id: int | None, model_id: str) -> None:
        """Star ``model_id`` (already starred: nothing changes)."""
        with open_session(self._engine) as session:
            session.add(FavouriteModel(owner_id=owner_id, model_id=model_id))
            try:
                session.commit()
            except IntegrityError:  # starred already (another tab, a double click)
                session.rollback()

    def remove(self, *, owner_id: int | None, model_id: str) -> None:
        """Unstar ``model_id`` (not starred: nothing changes)."""
        with open_session(self._engine) as session:
            session.execute(
                delete(FavouriteModel).where(
                    _owned(owner_id), col(FavouriteModel.model_id) == model_id
                )
            )
            session.commit()
