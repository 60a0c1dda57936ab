"""Rows of hosted mode written straight into a real database: users, owned conversations, costs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine, insert, update
from sqlmodel import Session

from neural_terminal.domain.periods import Period
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.tables import Conversation, Message, MessageStatus, Summary, User

MESSAGES = Message.__table__  # type: ignore[attr-defined]
CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]


def add_user(
    engine: Engine, name: str, *, limit: str | None = None, period: Period = Period.NONE
) -> int:
    """A user with their own limit (None: none); its id."""
    user = User(
        username=name,
        password_hash="not-a-hash",
        budget_usd=Decimal(limit) if limit is not None else None,
        budget_period=period.value,
    )
    with Session(engine, expire_on_commit=False) as session:
        session.add(user)
        session.commit()
    assert user.id is not None
    return user.id


def owned_conversation(engine: Engine, owner_id: int | None) -> int:
    """A conversation made by the repository, then given to ``owner_id``; its id."""
    conversation = ChatRepository(engine).create_conversation(model="m")
    assert conversation.id is not None
    with engine.begin() as conn:
        conn.execute(
            update(CONVERSATIONS)
            .where(CONVERSATIONS.c.id == conversation.id)
            .values(owner_id=owner_id)
        )
    return conversation.id


def add_message(
    engine: Engine,
    conversation_id: int,
    *,
    at: datetime,
    role: str = "assistant",
    cost: str | None = None,
    status: MessageStatus = MessageStatus.COMPLETE,
) -> None:
    """One message created ``at``, costing ``cost`` (None: no cost, as user messages)."""
    with engine.begin() as conn:
        conn.execute(
            insert(MESSAGES).values(
                conversation_id=conversation_id,
                role=role,
                content="x",
                status=status.value,
                cost_usd=Decimal(cost) if cost is not None else None,
                cost_is_estimate=False,
                created_at=at,
            )
        )


def add_summary(engine: Engine, conversation_id: int, *, at: datetime, cost: str) -> None:
    """A summary created ``at`` that cost ``cost``."""
    summary = Summary(
        conversation_id=conversation_id,
        first_message_id=1,
        last_message_id=1,
        message_count=1,
        model="m",
        cost_usd=Decimal(cost),
        created_at=at,
    )
    with Session(engine) as session:
        session.add(summary)
        session.commit()
