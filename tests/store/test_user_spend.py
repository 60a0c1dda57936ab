"""Users' own budgets summed by SQL in one query, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event

from neural_terminal.domain.periods import Period, period_starts
from neural_terminal.store.engine import make_engine
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.spend.user_spend import UserBudgetView
from neural_terminal.store.tables import MessageStatus
from tests.owned_rows import add_message, add_summary, add_user, owned_conversation

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
# November's first midnight in Berlin (UTC+1 then) is 23:00 UTC on 31 October.
BERLIN_MONTH = datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
STARTS = period_starts(NOW, "Europe/Berlin")
TICK = timedelta(microseconds=1)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def store(engine: Engine) -> BudgetStore:
    built = BudgetStore(engine, defaults=BudgetConfig(None, Period.NONE, "Europe/Berlin"))
    built.ensure()
    return built


class Statements:
    """Counts the SQL statements an engine sends (a real event hook, not a patch)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: Any) -> None:
        self.count += 1


def test_every_users_limit_and_spend_in_their_own_period_exactly(
    engine: Engine, store: BudgetStore
) -> None:
    ann = add_user(engine, "ann", limit="2.00", period=Period.MONTHLY)
    bob = add_user(engine, "bob", limit="5", period=Period.DAILY)
    cy = add_user(engine, "cy")
    ann_chat = owned_conversation(engine, ann)
    bob_chat = owned_conversation(engine, bob)
    local = owned_conversation(engine, None)
    add_message(engine, ann_chat, at=BERLIN_MONTH - TICK, cost="3")  # October in Berlin
    add_message(engine, ann_chat, at=BERLIN_MONTH, cost="0.000000000001")
    add_message(engine, ann_chat, at=NOW, cost="1.25")
    add_summary(engine, ann_chat, at=NOW, cost="0.0125")
    add_message(engine, ann_chat, at=NOW, cost="0.5", status=MessageStatus.STREAMING)
    store.reserve(
        conversation_id=ann_chat, amount_usd=Decimal("0.2"), since=None, decide=lambda s: None
    )
    add_message(engine, bob_chat, at=STARTS.daily - TICK, cost="4")  # yesterday in Berlin
    add_message(engine, bob_chat, at=STARTS.daily, cost="0.1")
    add_message(engine, local, at=NOW, cost="7")  # nobody's

    assert store.user_budgets(starts=STARTS) == [
        UserBudgetView(
            ann, "ann", Decimal(2), Period.MONTHLY, Decimal("1.262500000001"), Decimal("0.2")
        ),
        UserBudgetView(bob, "bob", Decimal(5), Period.DAILY, Decimal("0.1"), Decimal(0)),
        UserBudgetView(cy, "cy", None, Period.NONE, Decimal(0), Decimal(0)),
    ]


def test_the_admin_view_is_one_query_however_many_users(engine: Engine, store: BudgetStore) -> None:
    for n in range(5):
        owner = add_user(engine, f"user{n}", limit="1")
        add_message(engine, owned_conversation(engine, owner), at=NOW, cost="0.25")
    statements = Statements(engine)

    views = store.user_budgets(starts=STARTS)

    assert statements.count == 1
    assert [view.spent_usd for view in views] == [Decimal("0.25")] * 5


def test_a_users_limit_is_set_and_cleared_and_an_unknown_user_is_reported(
    engine: Engine, store: BudgetStore
) -> None:
    ann = add_user(engine, "ann")
    assert store.set_user_limit(user_id=ann, limit_usd=Decimal("0.5"), period=Period.DAILY)
    assert store.user_budgets(starts=STARTS)[0].limit_usd == Decimal("0.5")
    assert store.user_budgets(starts=STARTS)[0].period is Period.DAILY
    assert store.set_user_limit(user_id=ann, limit_usd=None, period=Period.NONE)
    assert store.user_budgets(starts=STARTS)[0].limit_usd is None
    assert not store.set_user_limit(user_id=ann + 1, limit_usd=Decimal(1), period=Period.NONE)


def test_a_conversations_spend_carries_its_owner_and_a_local_one_none(
    engine: Engine, store: BudgetStore
) -> None:
    ann = add_user(engine, "ann", limit="2", period=Period.MONTHLY)
    first = owned_conversation(engine, ann)
    second = owned_conversation(engine, ann)
    local = owned_conversation(engine, None)
    add_message(engine, first, at=NOW, cost="0.5")
    add_message(engine, second, at=NOW, cost="0.25")
    add_message(engine, local, at=NOW, cost="1")

    spend = store.spend(since=None, conversation_id=second, starts=STARTS)
    assert (spend.global_usd, spend.conversation_usd) == (Decimal("1.75"), Decimal("0.25"))
    assert spend.owner is not None
    assert (spend.owner.user_id, spend.owner.total_usd) == (ann, Decimal("0.75"))
    assert store.spend(since=None, conversation_id=local, starts=STARTS).owner is None
