"""Spend is summed exactly by the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert

from neural_terminal.domain.periods import Period
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.tables import Message, MessageStatus, utcnow


def test_ten_thousand_tenth_of_a_microdollar_messages_sum_to_exactly_a_tenth_of_a_cent(
    repository: ChatRepository,
) -> None:
    engine = repository._engine
    conversation = repository.create_conversation(model="m")
    rows = [
        {
            "conversation_id": conversation.id,
            "role": "assistant",
            "content": "",
            "status": MessageStatus.COMPLETE.value,
            "cost_usd": Decimal("0.0000001"),
            "cost_is_estimate": False,
            "created_at": utcnow(),
        }
        for _ in range(10_000)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Message.__table__), rows)  # type: ignore[attr-defined]
    store = BudgetStore(engine, defaults=BudgetConfig(Decimal(5)))
    spend = store.spend(since=None, conversation_id=conversation.id)
    assert spend.global_usd == Decimal("0.001")
    assert spend.conversation_usd == Decimal("0.001")


def test_the_budget_row_is_created_from_the_defaults_once_and_then_edited(
    repository: ChatRepository,
) -> None:
    engine = repository._engine
    store = BudgetStore(engine, defaults=BudgetConfig(Decimal("5.00")))
    store.ensure()
    store.ensure()
    assert store.config() == BudgetConfig(Decimal("5"), Period.NONE, "UTC")
    store.set_config(BudgetConfig(Decimal("0.000001"), Period.MONTHLY, "Europe/Berlin"))
    again = BudgetStore(engine, defaults=BudgetConfig(Decimal("9")))
    again.ensure()
    assert again.config() == BudgetConfig(Decimal("0.000001"), Period.MONTHLY, "Europe/Berlin")


def test_streaming_replies_count_through_their_reservation_not_their_checkpoint(
    repository: ChatRepository,
) -> None:
    engine = repository._engine
    conversation = repository.create_conversation(model="m")
    assert conversation.id is not None
    reply = repository.add_message(
        conversation_id=conversation.id,
        role="assistant",
        content="",
        status=MessageStatus.STREAMING,
    )
    assert reply.id is not None
    repository.checkpoint(message_id=reply.id, content="so far", cost_usd=Decimal("0.5"))
    store = BudgetStore(engine, defaults=BudgetConfig(None))
    reservation = store.reserve(
        conversation_id=conversation.id,
        amount_usd=Decimal("0.7"),
        since=None,
        decide=lambda spend: None,
    )
    assert store.spend(since=None, conversation_id=None).global_usd == Decimal("0.7")
    store.release(reservation_id=reservation)
    assert store.spend(since=None, conversation_id=None).global_usd == Decimal(0)
