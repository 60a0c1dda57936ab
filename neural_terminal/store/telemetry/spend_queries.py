"""Spend in SQL: per time slot, per model and per conversation, and estimates against bills.

Spend is what the budgets count (store/spend/budget_store.py): stored costs of finished
messages and of summaries, imported ones left out. Sums are of integer picodollars, exact.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, func, select, union_all
from sqlalchemy.sql import Subquery

from neural_terminal.domain.telemetry import TOP, SpendShare
from neural_terminal.store.money_column import picodollars_to_usd
from neural_terminal.store.telemetry.scope import (
    CONVERSATIONS,
    MESSAGES,
    SUMMARIES,
    Scope,
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


def spend_by_model(replies: dict[str, Decimal], conn: Connection, scope: Scope) -> list[SpendShare]:
    """The ``TOP`` models by spend, most first: ``replies`` (each model's replies' cost,
    summed with the scoreboard) plus what its summaries cost."""
    costs = dict(replies)
    query = scoped(
        select(SUMMARIES.c.model, func.sum(SUMMARIES.c.cost_usd))
        .where(*spent(SUMMARIES))
        .group_by(SUMMARIES.c.model),
        SUMMARIES,
        scope,
    )
    for model, cost in conn.execute(query):
        costs[str(model)] = costs.get(str(model), Decimal(0)) + usd(cost)
    ranked = sorted(costs.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    return [SpendShare(model, model, cost) for model, cost in ranked]


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
