"""A conversation's signature moves when a tab must show something new: messages, a cost
stored or reconciled there, its limit, and the budget (the instance's limit, spend anywhere)."""

from __future__ import annotations

import time
from decimal import Decimal

from neural_terminal.store.conversations.changes import ConversationChanges, Signature
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.tables import MessageStatus


def _reply(repository: ChatRepository, conversation_id: int) -> int:
    """A reply stored with its cost, as a turn's end stores it."""
    reply = repository.add_message(
        conversation_id=conversation_id,
        role="assistant",
        content="",
        status=MessageStatus.STREAMING,
    )
    assert reply.id is not None
    time.sleep(0.002)  # a later time than any mark before it, on every clock
    repository.finish_message(
        message_id=reply.id,
        content="answer",
        status=MessageStatus.COMPLETE,
        cost_usd=Decimal("0.0001"),
    )
    return reply.id


def test_the_signature_moves_with_costs_limits_and_spend_elsewhere(
    repository: ChatRepository,
) -> None:
    engine = repository._engine
    changes = ConversationChanges(engine)
    budget = BudgetStore(engine, defaults=BudgetConfig(Decimal(5)))
    budget.ensure()
    shown = repository.create_conversation(model="m")
    other = repository.create_conversation(model="m")
    assert shown.id is not None
    assert other.id is not None
    shown_id = shown.id

    def read() -> Signature:
        return changes.signatures([shown_id])[shown_id]

    first = read()
    assert first.spent_at is None

    _reply(repository, shown.id)
    stored = read()
    assert stored.message_count == first.message_count + 1
    assert stored.spent_at is not None
    assert stored.budget != first.budget

    _reply(repository, other.id)  # spend elsewhere moves the budget part only
    elsewhere = read()
    assert (elsewhere.message_count, elsewhere.spent_at) == (stored.message_count, stored.spent_at)
    assert elsewhere.budget != stored.budget

    time.sleep(0.002)
    budget.set_config(BudgetConfig(Decimal(4)))
    limited = read()
    assert limited.budget != elsewhere.budget

    budget.set_conversation_limit(conversation_id=shown.id, limit_usd=Decimal("0.5"))
    own = read()
    assert own.limit_usd == Decimal("0.5")
    assert read() == own  # nothing changed: equal


def test_missing_conversations_are_left_out(repository: ChatRepository) -> None:
    assert ConversationChanges(repository._engine).signatures([12345]) == {}
