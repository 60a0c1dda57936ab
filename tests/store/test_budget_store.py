"""Spend is summed exactly by the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert

from neural_terminal.domain.periods import Period
from neural_terminal.store.accounts.user_store import UserStore
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


def test_spend_of_several_conversations_at_once_equals_each_read_alone(
    repository: ChatRepository,
) -> None:
    engine = repository._engine
    users = UserStore(engine)
    owner = users.add(username="ada", password_hash="x", is_admin=False, at=utcnow())
    assert owner is not None
    store = BudgetStore(engine, defaults=BudgetConfig(Decimal(5)))
    store.ensure()
    store.set_user_limit(user_id=owner.id, limit_usd=Decimal(2), period=Period.MONTHLY)
    ids = []
    for index, owner_id in enumerate([None, owner.id, owner.id, None]):
        conversation = repository.create_conversation(model="m", owner_id=owner_id)
        assert conversation.id is not None
        ids.append(conversation.id)
        if index != 2:  # one conversation has nothing at all
            reply = repository.add_message(
                conversation_id=conversation.id, role="assistant", content="r"
            )
            repository.finish_message(
                message_id=reply.id,
                content="r",
                status=MessageStatus.COMPLETE,
                error=None,
                cost_usd=Decimal("0.000123") * (index + 1),
            )
        if index % 2:
            store.set_conversation_limit(conversation_id=conversation.id, limit_usd=Decimal(1))
            store.reserve(
                conversation_id=conversation.id,
                amount_usd=Decimal("0.0005"),
                since=None,
                decide=lambda spend: None,
            )

    together = store.spend_many(since=None, conversation_ids=[*ids, ids[0], 999_999])

    assert together == {c: store.spend(since=None, conversation_id=c) for c in ids}
    owner_spend = together[ids[1]].owner
    assert owner_spend is not None
    assert owner_spend.total_usd == Decimal("0.000746")
