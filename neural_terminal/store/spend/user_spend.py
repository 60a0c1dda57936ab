"""Users' own budgets in SQL: each user's limit and what their conversations spent in its period.

A user's spend = stored costs of the messages (no longer streaming) and summaries of the
conversations they own since their period began + the reservations of their replies in flight
(counted like the global spend: rows created since the period began). Every user's figures
come from one query, with one correlated subquery per sum, never one query per user.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select

from neural_terminal.domain.periods import Period, PeriodStarts, parse_period
from neural_terminal.store.money_column import summed_usd
from neural_terminal.store.tables import (
    BudgetReservation,
    Conversation,
    Message,
    MessageStatus,
    Summary,
    User,
)

USERS: Table = User.__table__  # type: ignore[attr-defined]
MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
SUMMARIES: Table = Summary.__table__  # type: ignore[attr-defined]
RESERVATIONS: Table = BudgetReservation.__table__  # type: ignore[attr-defined]
CONVERSATIONS: Table = Conversation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class UserBudgetView:
    """One user's own limit (None: none), its period, and their spend in the current period."""

    user_id: int
    username: str
    limit_usd: Decimal | None
    period: Period
    spent_usd: Decimal
    reserved_usd: Decimal

    @property
    def total_usd(self) -> Decimal:
        """What counts against the limit: stored costs plus replies in flight."""
        return self.spent_usd + self.reserved_usd


def user_budgets(
    conn: Connection, *, starts: PeriodStarts, user_id: int | None = None
) -> list[UserBudgetView]:
    """Every user's budget by name (or only ``user_id``'s), summed in one statement."""
    settled = MESSAGES.c.status != MessageStatus.STREAMING.value
    # Imported costs are on the record only (store/spend/budget_store.py).
    here = MESSAGES.c.imported_at.is_(None)
    summarised_here = SUMMARIES.c.imported_at.is_(None)
    query = select(
        USERS.c.id,
        USERS.c.username,
        USERS.c.budget_usd,
        USERS.c.budget_period,
        _owned_sum(MESSAGES, MESSAGES.c.cost_usd, starts, settled, here).label("messages"),
        _owned_sum(SUMMARIES, SUMMARIES.c.cost_usd, starts, summarised_here).label("summaries"),
        _owned_sum(RESERVATIONS, RESERVATIONS.c.amount_usd, starts).label("reserved"),
    ).order_by(USERS.c.username)
    if user_id is not None:
        query = query.where(USERS.c.id == user_id)
    return [
        UserBudgetView(
            user_id=row.id,
            username=row.username,
            limit_usd=row.budget_usd,
            period=parse_period(row.budget_period),
            spent_usd=_usd(row.messages) + _usd(row.summaries),
            reserved_usd=_usd(row.reserved),
        )
        for row in conn.execute(query)
    ]


def _owned_sum(
    table: Table, amount: ColumnElement[Decimal], starts: PeriodStarts, *where: ColumnElement[bool]
) -> ColumnElement[Decimal]:
    """SUM(amount) over the rows of conversations the outer query's user owns, in their period."""
    return (
        select(func.sum(amount))
        .select_from(table.join(CONVERSATIONS, table.c.conversation_id == CONVERSATIONS.c.id))
        .where(CONVERSATIONS.c.owner_id == USERS.c.id, _in_period(table, starts), *where)
        .scalar_subquery()
    )


def _in_period(table: Table, starts: PeriodStarts) -> ColumnElement[bool]:
    # The period is the user's own row's, so the start is chosen in SQL; any other name
    # (none, or one this code does not know) counts everything, as parse_period reads it.
    period = USERS.c.budget_period
    created = table.c.created_at
    return or_(
        and_(period == Period.DAILY.value, created >= starts.daily),
        and_(period == Period.MONTHLY.value, created >= starts.monthly),
        period.not_in([Period.DAILY.value, Period.MONTHLY.value]),
    )


def _usd(total: Decimal | int | None) -> Decimal:
    # SUM keeps the column's type, so ExactUSD turns picodollars back into dollars (or None).
    return summed_usd(total)
