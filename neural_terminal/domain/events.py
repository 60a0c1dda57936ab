"""Events published on the bus: one small frozen class per thing that happened."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class MessageStarted:
    """An assistant reply began (the request is about to go upstream)."""

    conversation_id: int
    message_id: int
    model: str


@dataclass(frozen=True)
class TokensGenerated:
    """A piece of reply text arrived from the upstream."""

    conversation_id: int
    message_id: int
    text: str


@dataclass(frozen=True)
class MessageCompleted:
    """A reply ended, complete or not; ``status`` says which."""

    conversation_id: int
    message_id: int
    status: str
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: Decimal | None


@dataclass(frozen=True)
class ContextTruncated:
    """Older messages were left out of the prompt to fit the model's window."""

    conversation_id: int
    dropped_messages: int
    kept_tokens: int
    window_tokens: int


@dataclass(frozen=True)
class BudgetThreshold:
    """Spending reached the warning threshold (80%) of a limit."""

    scope: str
    spent_usd: Decimal
    limit_usd: Decimal


@dataclass(frozen=True)
class BudgetExceeded:
    """Spending reached a limit; sending stops until it is raised or the period rolls over."""

    scope: str
    spent_usd: Decimal
    limit_usd: Decimal


Event = (
    MessageStarted
    | TokensGenerated
    | MessageCompleted
    | ContextTruncated
    | BudgetThreshold
    | BudgetExceeded
)
