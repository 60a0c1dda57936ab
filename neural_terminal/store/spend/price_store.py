"""The pricing catalogue in the database: the last fetched prices and every change seen."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.store.tables import ModelPrice, PriceChange, utcnow

COMPONENTS = (
    "prompt",
    "completion",
    "request",
    "input_cache_read",
    "input_cache_write",
    "internal_reasoning",
)


class PriceStore:
    """Saves each fetch of ``/models`` and records which prices moved since the previous one."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, models: Iterable[ModelInfo]) -> list[PriceChange]:
        """Store the fetched prices; return the changes against the previous fetch."""
        now = utcnow()
        changes: list[PriceChange] = []
        with Session(self._engine, expire_on_commit=False) as session:
            stored = {row.model_id: row for row in session.exec(select(ModelPrice))}
            for model in models:
                row = stored.get(model.id) or ModelPrice(model_id=model.id)
                if model.id in stored:
                    for name in COMPONENTS:
                        old, new = Decimal(getattr(row, name)), getattr(model.pricing, name)
                        if old != new:
                            changes.append(
                                PriceChange(
                                    model_id=model.id,
                                    component=name,
                                    old_price=f"{old:f}",
                                    new_price=f"{new:f}",
                                    changed_at=now,
                                )
                            )
                row.name = model.name
                row.context_length = model.context_length
                for name in COMPONENTS:
                    # Plain notation ("0.0000005", not "5E-7"): exact and readable in the table.
                    setattr(row, name, f"{getattr(model.pricing, name):f}")
                row.fetched_at = now
                session.add(row)
            session.add_all(changes)
            session.commit()
        return changes

    def load(self) -> list[ModelInfo]:
        """Every model as last fetched (the catalogue before the first fetch of a process)."""
        with Session(self._engine) as session:
            rows = list(session.exec(select(ModelPrice)))
        return [
            ModelInfo(
                id=row.model_id,
                name=row.name,
                context_length=row.context_length,
                pricing=ModelPricing(**{n: Decimal(getattr(row, n)) for n in COMPONENTS}),
            )
            for row in rows
        ]

    def latest_changes(self, model_id: str) -> list[PriceChange]:
        """The changes found by the most recent fetch that changed this model's prices."""
        query = (
            select(PriceChange)
            .where(PriceChange.model_id == model_id)
            .order_by(col(PriceChange.changed_at).desc(), col(PriceChange.id).desc())
        )
        with Session(self._engine, expire_on_commit=False) as session:
            rows = list(session.exec(query))
        if not rows:
            return []
        newest = rows[0].changed_at
        return [row for row in rows if row.changed_at == newest]
