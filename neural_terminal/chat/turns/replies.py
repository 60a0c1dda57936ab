"""What a turn yields to its caller while the reply streams."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from neural_terminal.chat.context.builder import PreparedContext
from neural_terminal.chat.spend.budget import BudgetStatus
from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.domain.errors import NeuralTerminalError


@dataclass(frozen=True)
class ReplyStarted:
    """The assistant row exists (new, or reopened to continue) and the request is going out.

    ``user_message`` is the newly stored user message (None for Continue and Retry, which add
    none); ``resumed_text`` is the text the reply already has when it is being continued.
    """

    user_message: StoredMessage | None
    assistant_message_id: int
    # What the prompt holds; None only when the context could not be prepared.
    context: PreparedContext | None = None
    resumed_text: str = ""
    conversation_id: int = 0
    # Said before the reply: the new message is cut to fit the window.
    notice: str | None = None
    # The reply's row as the turn stored (or reopened) it.
    reply: StoredMessage | None = None


@dataclass(frozen=True)
class ReplyRetrying:
    """An attempt failed before any text; attempt ``attempt`` of ``attempts`` follows."""

    attempt: int
    attempts: int
    wait_s: float
    reason: str

    @property
    def notice(self) -> str:
        """``rate limited by the provider: retrying (2/3) in 4 s``."""
        wait = f"{self.wait_s:.1f}" if self.wait_s < 1 else f"{round(self.wait_s)}"
        return f"{self.reason}: retrying ({self.attempt}/{self.attempts}) in {wait} s"


@dataclass(frozen=True)
class ReplyDelta:
    """New reply text, in order, with the reply's live cost estimate so far (None: unpriced)."""

    text: str
    cost_usd: Decimal | None = None


@dataclass(frozen=True)
class ReplyFinished:
    """The reply is stored for good; ``error`` says why it is not complete, if it is not."""

    message: StoredMessage
    error: NeuralTerminalError | None = None
    # The budget as it stood once the reply's cost was stored, for the reply's conversation
    # (None when no spending was watched): a page can show it without reading it again.
    budget: BudgetStatus | None = None


ReplyEvent = ReplyStarted | ReplyRetrying | ReplyDelta | ReplyFinished


class ReplyEvents(Protocol):
    """A turn's events (a Turn, or any async generator of them): iterated once, closable."""

    def __aiter__(self) -> AsyncIterator[ReplyEvent]: ...

    async def aclose(self) -> None:
        """Stop early; what arrived is kept."""
        ...
