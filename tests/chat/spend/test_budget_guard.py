"""The Budget Guardian on SQLite and PostgreSQL: thresholds, refusals, periods, races."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.spend.budget import BudgetGuard, Level
from neural_terminal.domain.errors import OverBudget
from neural_terminal.domain.events import BudgetExceeded, BudgetThreshold
from neural_terminal.domain.periods import Period, PeriodStarts
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore, Decide, Spend
from neural_terminal.store.tables import Message, MessageStatus

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@pytest.fixture
def events() -> list[object]:
    return []


@pytest.fixture
def bus(events: list[object]) -> EventBus:
    bus = EventBus()
    bus.subscribe(BudgetThreshold, events.append)
    bus.subscribe(BudgetExceeded, events.append)
    return bus


def make_guard(engine: Engine, bus: EventBus, limit: str | None, **config: object) -> BudgetGuard:
    store = BudgetStore(
        engine,
        defaults=BudgetConfig(Decimal(limit) if limit else None, **config),  # type: ignore[arg-type]
    )
    store.ensure()
    return BudgetGuard(store, bus, clock=lambda: NOW)


def spend(engine: Engine, cost: str, *, at: datetime | None = None) -> int:
    """A conversation with one reply that cost ``cost``; its id."""
    repo = ChatRepository(engine)
    conversation = repo.create_conversation(model="m")
    assert conversation.id is not None
    reply = repo.add_message(conversation_id=conversation.id, role="assistant", content="x")
    assert reply.id is not None
    repo.finish_message(
        message_id=reply.id, content="x", status=MessageStatus.COMPLETE, cost_usd=Decimal(cost)
    )
    if at is not None:
        with engine.begin() as conn:
            table = Message.__table__  # type: ignore[attr-defined]
            conn.execute(update(table).where(table.c.id == reply.id).values(created_at=at))
    return conversation.id


@pytest.mark.parametrize(
    ("spent", "level"),
    [
        pytest.param("0.7999999999", Level.OK, id="just-below-80"),
        pytest.param("0.8", Level.WARNING, id="exactly-80"),
        pytest.param("0.9999999999", Level.WARNING, id="just-below-100"),
        pytest.param("1.0", Level.EXCEEDED, id="exactly-100"),
    ],
)
def test_threshold_at_exactly_80_and_exceeded_at_exactly_100(
    db: Engine, bus: EventBus, events: list[object], spent: str, level: Level
) -> None:
    guard = make_guard(db, bus, "1.00")
    conversation_id = spend(db, spent)
    status = guard.settle(conversation_id)
    assert status.level is level
    expected: dict[Level, list[type]] = {
        Level.OK: [],
        Level.WARNING: [BudgetThreshold],
        Level.EXCEEDED: [BudgetExceeded],
    }
    assert [type(e) for e in events] == expected[level]
    guard.settle(conversation_id)
    assert len(events) == len(expected[level])  # a crossing is published once


def test_a_send_that_would_break_the_limit_is_refused_naming_limit_spend_and_estimate(
    db: Engine, bus: EventBus
) -> None:
    guard = make_guard(db, bus, "1.00")
    conversation_id = spend(db, "0.9")
    guard.check(conversation_id, Decimal("0.1"))  # lands exactly on the limit: allowed
    with pytest.raises(OverBudget) as refused:
        guard.check(conversation_id, Decimal("0.1000001"))
    text = refused.value.user_message
    assert "global budget of $1.00" in text
    assert "Spent $0.9000" in text
    assert "about $0.1000" in text
    assert refused.value.limit_usd == Decimal("1.00")


def test_an_exceeded_limit_refuses_even_a_free_send(db: Engine, bus: EventBus) -> None:
    guard = make_guard(db, bus, "1.00")
    conversation_id = spend(db, "1.00")
    with pytest.raises(OverBudget, match="is used up"):
        guard.check(conversation_id, Decimal(0))


def test_a_daily_budget_counts_only_today_in_its_time_zone(db: Engine, bus: EventBus) -> None:
    guard = make_guard(db, bus, "1.00", period=Period.DAILY, time_zone="UTC")
    spend(db, "0.9", at=NOW - timedelta(days=1))
    today = spend(db, "0.25", at=NOW - timedelta(hours=1))
    status = guard.status(today)
    assert status.spend.global_usd == Decimal("0.25")
    assert status.resets_at == datetime(2026, 11, 25, tzinfo=UTC)


def test_a_conversation_budget_applies_to_that_conversation_only(db: Engine, bus: EventBus) -> None:
    guard = make_guard(db, bus, None)
    limited = spend(db, "0.5")
    other = spend(db, "0.5")
    guard.store.set_conversation_limit(conversation_id=limited, limit_usd=Decimal("0.5"))
    with pytest.raises(OverBudget, match=r"conversation budget of \$0.5000"):
        guard.check(limited, Decimal(0))
    guard.check(other, Decimal("0.1"))


def test_reservations_count_as_spend_until_released(db: Engine, bus: EventBus) -> None:
    guard = make_guard(db, bus, "1.00")
    conversation_id = spend(db, "0.5")
    reservation = guard.reserve(conversation_id, Decimal("0.4"))
    assert guard.status(conversation_id).spend.global_usd == Decimal("0.9")
    guard.store.grow(reservation_id=reservation, amount_usd=Decimal("0.45"))
    assert guard.allowance(conversation_id, Decimal("0.45")) == Decimal("0.5")
    guard.store.release(reservation_id=reservation)
    assert guard.status(conversation_id).spend.global_usd == Decimal("0.5")


class OverlapProbe(BudgetStore):
    """A store whose decisions wait a moment for a rival, to see whether two can overlap."""

    inside = 0
    most_inside = 0
    lock = threading.Lock()
    rival = threading.Event()

    def reserve(
        self,
        *,
        conversation_id: int,
        amount_usd: Decimal,
        since: datetime | None,
        decide: Decide,
        starts: PeriodStarts | None = None,
    ) -> int:
        def probing(spend: Spend) -> None:
            with self.lock:
                type(self).inside += 1
                type(self).most_inside = max(self.most_inside, self.inside)
                if self.inside > 1:
                    self.rival.set()
            # Unserialised, the rival arrives here meanwhile (and sets the event at once);
            # serialised, it cannot, and the wait simply runs out.
            self.rival.wait(0.5)
            try:
                decide(spend)
            finally:
                with self.lock:
                    type(self).inside -= 1

        return super().reserve(
            conversation_id=conversation_id,
            amount_usd=amount_usd,
            since=since,
            decide=probing,
            starts=starts,
        )


def test_two_sends_racing_for_the_last_cent_one_is_refused(db: Engine, bus: EventBus) -> None:
    OverlapProbe.most_inside = 0
    OverlapProbe.rival.clear()
    store = OverlapProbe(db, defaults=BudgetConfig(Decimal("1.00")))
    store.ensure()
    guard = BudgetGuard(store, bus, clock=lambda: NOW)
    conversation_id = spend(db, "0.99")
    start = threading.Barrier(2)

    def send() -> str:
        start.wait()
        try:
            guard.reserve(conversation_id, Decimal("0.01"))
        except OverBudget:
            return "refused"
        return "reserved"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(lambda _: send(), range(2)))
    assert outcomes == ["refused", "reserved"]
    assert OverlapProbe.most_inside == 1  # the check-and-reserve never ran twice at once
    assert guard.status(conversation_id).spend.global_usd == Decimal("1.00")
