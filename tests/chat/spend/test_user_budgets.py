"""Users' own limits under the instance's budget, decided in the same locked transaction."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.spend.budget import USER, BudgetGuard, Level
from neural_terminal.chat.spend.watch import SpendWatch
from neural_terminal.domain.errors import BudgetStop, OverBudget
from neural_terminal.domain.events import BudgetExceeded, BudgetThreshold
from neural_terminal.domain.periods import Period
from neural_terminal.store.engine import make_engine
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.spend.user_spend import UserBudgetView
from tests.fakes import ManualClock
from tests.owned_rows import add_message, add_summary, add_user, owned_conversation

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
MONTH = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def events() -> list[object]:
    return []


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def guard(db: Engine, events: list[object], clock: ManualClock) -> BudgetGuard:
    bus = EventBus()
    bus.subscribe(BudgetThreshold, events.append)
    bus.subscribe(BudgetExceeded, events.append)
    store = BudgetStore(db, defaults=BudgetConfig(Decimal(20)))
    store.ensure()
    return BudgetGuard(store, bus, clock=clock)


def test_a_user_over_their_limit_is_refused_while_another_user_and_the_instance_allow(
    db: Engine, guard: BudgetGuard
) -> None:
    ann = add_user(db, "ann", limit="2.00", period=Period.MONTHLY)
    bob = add_user(db, "bob", limit="5.00", period=Period.DAILY)
    ann_chat = owned_conversation(db, ann)
    bob_chat = owned_conversation(db, bob)
    local = owned_conversation(db, None)
    add_message(db, ann_chat, at=NOW, cost="1.9")
    add_message(db, bob_chat, at=NOW, cost="4")

    with pytest.raises(OverBudget) as refused:
        guard.reserve(ann_chat, Decimal("0.2"))

    assert refused.value.scope == USER
    assert (refused.value.limit_usd, refused.value.spent_usd) == (Decimal(2), Decimal("1.9"))
    assert refused.value.user_message == (
        "Not sent: your limit of $2.00 this month would be exceeded. Spent $1.90; this message "
        "would cost about $0.2000. Ask an admin to raise your limit, or wait until it resets at "
        "2026-12-01 00:00 UTC. Your message is kept."
    )
    guard.reserve(ann_chat, Decimal("0.1"))  # lands exactly on the limit: allowed
    guard.reserve(bob_chat, Decimal("0.2"))
    guard.reserve(local, Decimal("0.2"))
    assert guard.status(None).spend.global_usd == Decimal("6.4")


def test_an_exhausted_user_limit_refuses_even_a_free_send_in_every_conversation_they_own(
    db: Engine, guard: BudgetGuard
) -> None:
    ann = add_user(db, "ann", limit="1", period=Period.NONE)
    first = owned_conversation(db, ann)
    second = owned_conversation(db, ann)
    add_message(db, first, at=NOW, cost="0.75")
    add_summary(db, second, at=NOW, cost="0.25")

    for conversation_id in (first, second):
        with pytest.raises(OverBudget, match=r"your limit of \$1.00 is used up\. Spent \$1.00"):
            guard.check(conversation_id, Decimal(0))


def test_a_monthly_user_limit_leaves_last_months_spend_out(
    db: Engine, guard: BudgetGuard, clock: ManualClock
) -> None:
    ann = add_user(db, "ann", limit="1", period=Period.MONTHLY)
    chat = owned_conversation(db, ann)
    add_message(db, chat, at=MONTH - timedelta(microseconds=1), cost="0.9")
    add_message(db, chat, at=MONTH, cost="0.3")

    status = guard.status(chat)

    assert [(lim.scope, lim.label, lim.spent_usd) for lim in status.limits] == [
        ("global", "global budget", Decimal("1.2")),
        (USER, "monthly user limit", Decimal("0.3")),
    ]
    assert status.owner_resets_at == datetime(2026, 12, 1, tzinfo=UTC)
    clock.now = MONTH - timedelta(seconds=1)  # still October: both count
    with pytest.raises(OverBudget, match="your limit of"):
        guard.check(chat, Decimal(0))


def test_a_daily_user_limit_starts_in_the_global_budgets_time_zone(
    db: Engine, clock: ManualClock
) -> None:
    store = BudgetStore(db, defaults=BudgetConfig(None, Period.NONE, "Asia/Tokyo"))
    store.ensure()
    guard = BudgetGuard(store, EventBus(), clock=clock)
    ann = add_user(db, "ann", limit="1", period=Period.DAILY)
    chat = owned_conversation(db, ann)
    tokyo_midnight = datetime(2026, 11, 23, 15, tzinfo=UTC)  # 24 November in Tokyo
    add_message(db, chat, at=tokyo_midnight - timedelta(microseconds=1), cost="0.5")
    add_message(db, chat, at=tokyo_midnight, cost="0.125")

    [lim] = guard.status(chat).limits

    assert (lim.label, lim.spent_usd) == ("daily user limit", Decimal("0.125"))
    assert guard.status(chat).owner_resets_at == datetime(2026, 11, 24, 15, tzinfo=UTC)


def test_the_user_limit_warns_at_80_percent_once_for_all_their_conversations(
    db: Engine, guard: BudgetGuard, events: list[object]
) -> None:
    ann = add_user(db, "ann", limit="1")
    first = owned_conversation(db, ann)
    second = owned_conversation(db, ann)
    add_message(db, first, at=NOW, cost="0.8")

    assert guard.settle(first).level is Level.WARNING
    guard.settle(second)

    assert events == [BudgetThreshold(USER, Decimal("0.8"), Decimal(1))]


def test_a_reply_streams_only_up_to_the_users_room(db: Engine, guard: BudgetGuard) -> None:
    ann = add_user(db, "ann", limit="2", period=Period.MONTHLY)
    chat = owned_conversation(db, ann)
    add_message(db, chat, at=NOW, cost="1.5")
    reservation, allowance = guard.reserve_with_allowance(chat, Decimal("0.2"))
    watch = SpendWatch(
        guard,
        conversation_id=chat,
        reservation_id=reservation,
        reserved=Decimal("0.2"),
        allowance=allowance,
    )

    assert watch.allowance == Decimal("0.5")
    assert guard.allowance(chat, Decimal("0.2")) == allowance  # the same as read afresh
    with pytest.raises(BudgetStop) as stopped:
        watch.check(Decimal("0.5"))

    assert stopped.value.scope == USER
    assert stopped.value.user_message.startswith(
        "Stopped: your limit of $2.00 this month was reached while this reply streamed"
    )
    assert stopped.value.user_message.endswith("ask an admin to raise your limit to continue.")


def test_a_user_without_a_limit_and_a_cleared_limit_add_no_limit(
    db: Engine, guard: BudgetGuard
) -> None:
    ann = add_user(db, "ann", limit="0.01")
    chat = owned_conversation(db, ann)
    add_message(db, chat, at=NOW, cost="1")
    assert guard.status(chat).exceeded is not None
    assert guard.store.set_user_limit(user_id=ann, limit_usd=None, period=Period.NONE)

    assert [lim.scope for lim in guard.status(chat).limits] == ["global"]
    guard.check(chat, Decimal(1))


def test_user_statuses_list_every_user_this_period(
    db: Engine, guard: BudgetGuard, clock: ManualClock
) -> None:
    ann = add_user(db, "ann", limit="2", period=Period.MONTHLY)
    bob = add_user(db, "bob")
    add_message(db, owned_conversation(db, ann), at=MONTH - timedelta(days=1), cost="0.5")
    add_message(db, owned_conversation(db, bob), at=MONTH - timedelta(days=1), cost="0.5")

    assert guard.user_statuses() == [
        UserBudgetView(ann, "ann", Decimal(2), Period.MONTHLY, Decimal(0), Decimal(0)),
        UserBudgetView(bob, "bob", None, Period.NONE, Decimal("0.5"), Decimal(0)),
    ]
    clock.now = MONTH - timedelta(hours=1)
    assert guard.user_statuses()[0].spent_usd == Decimal("0.5")


def test_two_workers_racing_for_a_users_last_cent_in_two_conversations_one_is_refused(
    db: Engine, database_url: str
) -> None:
    ann = add_user(db, "ann", limit="1.00")
    chats = [owned_conversation(db, ann), owned_conversation(db, ann)]
    add_message(db, chats[0], at=NOW, cost="0.99")
    engines = [make_engine(database_url) for _ in chats]  # as two backend workers have
    guards = [
        BudgetGuard(BudgetStore(engine, defaults=BudgetConfig(None)), EventBus(), clock=lambda: NOW)
        for engine in engines
    ]
    start = threading.Barrier(2)

    def send(n: int) -> str:
        start.wait()
        try:
            guards[n].reserve(chats[n], Decimal("0.01"))
        except OverBudget:
            return "refused"
        return "reserved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(send, range(2)))
    for engine in engines:
        engine.dispose()

    assert outcomes == ["refused", "reserved"]
    assert guards[0].user_statuses()[0].total_usd == Decimal("1.00")
