"""Failures of turns: written once per failure (never per token), read per slot and kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, insert, select

from neural_terminal.store.tables import utcnow
from neural_terminal.store.telemetry.scope import FAILURES, Scope, slot_of


@dataclass(frozen=True)
class FailureRow:
    """One failure to store."""

    kind: str
    owner_id: int | None = None
    conversation_id: int | None = None
    message_id: int | None = None
    model: str | None = None
    retried: bool = False
    at: datetime | None = None


class FailureStore:
    """Writes the failures of turns."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, rows: Sequence[FailureRow]) -> None:
        """Store ``rows`` in one transaction (nothing for none)."""
        if not rows:
            return
        values = [
            {
                "kind": row.kind,
                "owner_id": row.owner_id,
                "conversation_id": row.conversation_id,
                "message_id": row.message_id,
                "model": row.model,
                "retried": row.retried,
                "created_at": row.at or utcnow(),
            }
            for row in rows
        ]
        with self._engine.begin() as conn:
            conn.execute(insert(FAILURES), values)


def failures_by_slot(conn: Connection, scope: Scope) -> list[tuple[int, str, int]]:
    """``(slot, kind, count)`` of the scope's failures, oldest first."""
    slot = slot_of(FAILURES.c.created_at, conn.dialect).label("slot")
    query = select(slot, FAILURES.c.kind, func.count()).group_by(slot, FAILURES.c.kind)
    if scope.start is not None:
        query = query.where(FAILURES.c.created_at >= scope.start)
    if scope.end is not None:
        query = query.where(FAILURES.c.created_at < scope.end)
    if scope.model is not None:
        query = query.where(FAILURES.c.model == scope.model)
    if not scope.local:
        query = query.where(FAILURES.c.owner_id == scope.owner_id)
    return sorted((int(s), str(kind), int(count)) for s, kind, count in conn.execute(query))
