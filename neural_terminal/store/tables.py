"""Every table, in one module. Alembic migrations in ``alembic/versions`` must match these."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Column, Index, Text, false
from sqlmodel import Field, SQLModel

from neural_terminal.store.money_column import ExactUSD


def utcnow() -> datetime:
    """The current time in UTC, zone-aware (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


class MessageStatus(StrEnum):
    """Life cycle of a stored message."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class ContextStrategy(StrEnum):
    """How a conversation that outgrows the model's window is cut down."""

    SLIDING = "sliding"
    BOOKENDS = "bookends"


class Conversation(SQLModel, table=True):
    """A chat: its title, model, optional system prompt and context strategy."""

    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="New conversation", max_length=200)
    model: str = Field(max_length=200)
    system_prompt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    context_strategy: str = Field(default=ContextStrategy.SLIDING.value, max_length=16)
    # Kept with every insert so a context can say how much it left out without a COUNT.
    message_count: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class Message(SQLModel, table=True):
    """One message; assistant messages carry tokens, exact cost and latency."""

    __tablename__ = "messages"
    # Contexts walk a conversation back from its newest message.
    __table_args__ = (Index("ix_messages_conversation_id_id", "conversation_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="messages.id")
    role: str = Field(max_length=16)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=MessageStatus.COMPLETE.value, max_length=16)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    model: str | None = Field(default=None, max_length=200)
    generation_id: str | None = Field(default=None, max_length=200)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    # True when the reply broke off before the upstream reported usage, so the tokens and
    # cost above are our own count priced from the catalogue (chat/estimate.py).
    cost_is_estimate: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    first_token_ms: int | None = None
    total_ms: int | None = None
    # Tokens this message adds to a prompt (chat framing included), counted once when stored.
    token_count: int | None = None
    token_encoding: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)


class Summary(SQLModel, table=True):
    """A model-written summary of the messages ``first_message_id..last_message_id``.

    Bookends conversations put it in place of the middle they leave out; its cost counts
    against the conversation's spend like a reply's.
    """

    __tablename__ = "summaries"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(foreign_key="conversations.id", index=True)
    first_message_id: int
    last_message_id: int
    message_count: int
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    model: str = Field(max_length=200)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = Field(default=None, sa_column=Column(ExactUSD, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
