"""What tells a tab that its conversation, or the budget it shows, changed elsewhere: read for
many conversations in one statement, each poll of every open tab (so: small and indexed).

A conversation's own part: its message count, active leaf and title, when a cost in it last
changed (``spent_at``: a billed cost replacing an estimate) and its own limit. Not its last
activity: a reply ending moves it, and the tabs following that reply see the end themselves.
The budget's part is not the conversation's: the instance's limit (its row's update time),
the owner's own limit, and when any cost anywhere last changed (an indexed MAX of
``spent_at``), since the header shows the instance's spend and the user's, not one
conversation's.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Update, func, select, update

from neural_terminal.store.tables import Budget, Conversation, User, utcnow

CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
BUDGETS = Budget.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]
GLOBAL_BUDGET_ID = 1


@dataclass(frozen=True)
class Signature:
    """Equal means nothing a tab shows of the conversation or its budget changed."""

    message_count: int
    leaf_id: int | None
    title: str
    # When a cost in this conversation last changed, and its own limit.
    spent_at: datetime | None = None
    limit_usd: Decimal | None = None
    # The budget shown with it: the instance's limit, the owner's, the spend anywhere.
    budget: tuple[Any, ...] = ()


def spent_now(conversation_id: int) -> Update:
    """The statement that marks a cost in ``conversation_id`` as changed just now (run it in
    the transaction that stores the cost)."""
    return (
        update(CONVERSATIONS).where(CONVERSATIONS.c.id == conversation_id).values(spent_at=utcnow())
    )


class ConversationChanges:
    """Reads conversations' signatures."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def signatures(self, conversation_ids: Collection[int]) -> dict[int, Signature]:
        """Each existing conversation's signature (missing ids are left out)."""
        if not conversation_ids:
            return {}
        c, u = CONVERSATIONS.c, USERS.c
        instance_limit = (
            select(BUDGETS.c.updated_at).where(BUDGETS.c.id == GLOBAL_BUDGET_ID).scalar_subquery()
        )
        spent_anywhere = select(func.max(c.spent_at)).scalar_subquery()
        query = (
            select(
                c.id,
                c.message_count,
                c.active_leaf_id,
                c.title,
                c.spent_at,
                c.budget_usd,
                instance_limit,
                u.budget_usd,
                u.budget_period,
                spent_anywhere,
            )
            .select_from(CONVERSATIONS.outerjoin(USERS, u.id == c.owner_id))
            .where(c.id.in_(sorted(conversation_ids)))
        )
        with self._engine.connect() as conn:
            return {
                int(row[0]): Signature(row[1], row[2], row[3], row[4], row[5], tuple(row[6:]))
                for row in conn.execute(query)
            }
