"""Spend in SQL: per time slot, per model and per conversation, and estimates against bills.

Spend is what the budgets count (store/spend/budget_store.py): stored costs of finished
messages and of summaries, imported ones left out. Sums are of integer picodollars, exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, func, select, union_all
from sqlalchemy.sql import Subquery

from neural_terminal.domain.telemetry import TOP, Drift, SpendShare
from neural_terminal.store.money_column import picodollars_to_usd
from neural_terminal.store.telemetry.scope import (
    CONVERSATIONS,
    MESSAGES,
    SUMMARIES,
    Scope,
    replies,
    scoped,
    slot_of,
    spent,
)


def usd(total: object) -> Decimal:
    """A SQL sum of picodollars as dollars (a typed column already gives a Decimal)."""
    if isinstance(total, Decimal):
        return total
    return picodollars_to_usd(int(str(total)) if total is not None else None)


def _costs(conn: Connection, scope: Scope, *columns: str) -> Subquery:
    """Every counted cost in the scope (messages and summaries), with ``columns`` beside it."""
    parts = []
    for table in (MESSAGES, SUMMARIES):
        picked = [_column(conn, table, name) for name in columns]
        part = select(*picked, table.c.cost_usd.label("cost")).where(*spent(table))
        parts.append(scoped(part, table, scope))
    return union_all(*parts).subquery()


def _column(conn: Connection, table: Table, name: str) -> ColumnElement[Any]:
    if name == "slot":
        return slot_of(table.c.created_at, conn.dialect).label("slot")
    return table.c[name].label(name)


def spend_by_slot(conn: Connection, scope: Scope) -> list[tuple[int, Decimal]]:
    """Spend per 15-minute slot, oldest first."""
    costs = _costs(conn, scope, "slot")
    query = select(costs.c.slot, func.sum(costs.c.cost)).group_by(costs.c.slot)
    return sorted((int(slot), usd(total)) for slot, total in conn.execute(query))


def spend_total(conn: Connection, scope: Scope) -> Decimal:
    """Everything spent in the scope."""
    costs = _costs(conn, scope, "model")
    return usd(conn.execute(select(func.sum(costs.c.cost))).scalar())


def spend_by_model(conn: Connection, scope: Scope) -> list[SpendShare]:
    """The ``TOP`` models by spend, most first."""
    costs = _costs(conn, scope, "model")
    total = func.sum(costs.c.cost)
    query = (
        select(costs.c.model, total)
        .group_by(costs.c.model)
        .order_by(total.desc(), costs.c.model)
        .limit(TOP)
    )
    return [SpendShare(str(model), str(model), usd(cost)) for model, cost in conn.execute(query)]


def spend_by_conversation(conn: Connection, scope: Scope) -> list[SpendShare]:
    """The ``TOP`` conversations by spend, most first, with their titles."""
    costs = _costs(conn, scope, "conversation_id")
    total = func.sum(costs.c.cost).label("total")
    top = (
        select(costs.c.conversation_id, total)
        .group_by(costs.c.conversation_id)
        .order_by(total.desc(), costs.c.conversation_id)
        .limit(TOP)
        .subquery()
    )
    query = (
        select(top.c.conversation_id, CONVERSATIONS.c.title, top.c.total)
        .join(CONVERSATIONS, CONVERSATIONS.c.id == top.c.conversation_id)
        .order_by(top.c.total.desc(), top.c.conversation_id)
    )
    return [SpendShare(str(cid), str(title), usd(cost)) for cid, title, cost in conn.execute(query)]


def drift_by_model(conn: Connection, scope: Scope) -> list[Drift]:
    """Estimates against billed figures per model, for replies that have both."""
    query = scoped(
        select(
            MESSAGES.c.model,
            func.count(),
            func.sum(MESSAGES.c.estimate_usd),
            func.sum(MESSAGES.c.drift_usd),
            func.sum(func.abs(MESSAGES.c.drift_usd)),
        )
        .where(*replies())
        .where(MESSAGES.c.estimate_usd.is_not(None), MESSAGES.c.drift_usd.is_not(None))
        .group_by(MESSAGES.c.model)
        .order_by(MESSAGES.c.model),
        MESSAGES,
        scope,
    )
    return [
        Drift(str(model), int(count), usd(estimate), usd(drift), usd(absolute))
        for model, count, estimate, drift, absolute in conn.execute(query)
    ]
