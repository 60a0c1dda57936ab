"""Which rows a telemetry query reads: one owner's (or every row in local mode), created in a
range, of one model; and the time slots SQL groups them by.

Rows are grouped by 15-minute slots of Unix time in SQL; the chat layer maps slots to local
days. Every time zone in use today is offset from UTC by a multiple of 15 minutes, so a slot
never straddles a local midnight and the days come out exact, DST days included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVarTuple

from sqlalchemy import BigInteger, ColumnElement, Integer, Table, cast, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Select

from neural_terminal.store.tables import (
    Conversation,
    Message,
    MessageStatus,
    Summary,
    TurnFailure,
)

MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
SUMMARIES: Table = Summary.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]
FAILURES: Table = TurnFailure.__table__  # type: ignore[attr-defined]
SLOT_S = 900
Ts = TypeVarTuple("Ts")


@dataclass(frozen=True)
class Scope:
    """Whose rows (``local``: everyone's, else ``owner_id``'s), when, and which model."""

    local: bool = True
    owner_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    model: str | None = None

    def everything(self) -> Scope:
        """The same owner, every time and model (the model list, the budget's period)."""
        return Scope(local=self.local, owner_id=self.owner_id)


def slot_of(column: ColumnElement[datetime], dialect: Dialect) -> ColumnElement[int]:
    """The 15-minute slot of Unix time a timestamp falls in."""
    if dialect.name == "sqlite":
        # Timestamps are stored as UTC text; strftime('%s') reads it as UTC.
        return cast(func.strftime("%s", column), Integer) // SLOT_S
    return cast(func.floor(func.extract("epoch", column) / SLOT_S), BigInteger)


def scoped(query: Select[*Ts], table: Table, scope: Scope, *, by_model: bool = True) -> Select[*Ts]:
    """``query`` over ``table`` (messages or summaries) limited to the scope's rows."""
    created = table.c.created_at
    if scope.start is not None:
        query = query.where(created >= scope.start)
    if scope.end is not None:
        query = query.where(created < scope.end)
    if by_model and scope.model is not None:
        query = query.where(table.c.model == scope.model)
    if not scope.local:
        owned = select(CONVERSATIONS.c.id).where(CONVERSATIONS.c.owner_id == scope.owner_id)
        query = query.where(table.c.conversation_id.in_(owned))
    return query


def spent(table: Table) -> list[ColumnElement[bool]]:
    """Rows whose cost counts as spend here (as the budgets count it: store/spend)."""
    where: list[ColumnElement[bool]] = [
        table.c.imported_at.is_(None),
        table.c.cost_usd.is_not(None),
    ]
    if table is MESSAGES:  # only replies cost (and the index leads with the role)
        where.append(table.c.role == "assistant")
        where.append(table.c.status != MessageStatus.STREAMING.value)
    return where


def replies() -> list[ColumnElement[bool]]:
    """Replies made here and finished (not streaming, not imported, not a fork's copy)."""
    return [
        MESSAGES.c.role == "assistant",
        MESSAGES.c.status != MessageStatus.STREAMING.value,
        MESSAGES.c.imported_at.is_(None),
        MESSAGES.c.forked_from_id.is_(None),
    ]
