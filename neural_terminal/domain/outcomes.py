"""How a turn ended, as telemetry counts it: its outcome and, for a failure, its kind.

Kinds are few and fixed (they label metrics and chart series):

    rate_limit  the provider said slow down (429, or its code inside a stream)
    drop        the stream broke off: dropped, malformed, or an error inside it
    timeout     nothing in time: before the first byte, or a stall mid-reply
    budget      a limit refused the send, or cut the reply off mid-stream
    upstream    any other provider failure (5xx, unreachable, key, credits, breaker open)
    other       anything else that went wrong (a per-user send limit, an unexpected error)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from neural_terminal.domain.errors import (
    AccountError,
    BudgetError,
    ConversationNotFound,
    InvalidInput,
    NeuralTerminalError,
    RateLimited,
    StreamError,
    StreamErrorPayload,
    StreamInterrupted,
    UpstreamError,
    UpstreamTimeout,
)


class FailureKind(StrEnum):
    """What kind of failure (see the module docstring)."""

    RATE_LIMIT = "rate_limit"
    DROP = "drop"
    TIMEOUT = "timeout"
    BUDGET = "budget"
    UPSTREAM = "upstream"
    OTHER = "other"


class Outcome(StrEnum):
    """How a turn ended."""

    COMPLETE = "complete"
    INTERRUPTED = "interrupted"  # broke off part-way (it can be continued)
    ERROR = "error"  # failed before any text
    STOPPED = "stopped"  # the user pressed stop
    REFUSED = "refused"  # a check refused it before anything was stored


def failure_kind(error: NeuralTerminalError) -> FailureKind | None:
    """The kind of ``error``; None for what is not a failure (bad input, a missing id)."""
    if isinstance(error, InvalidInput | ConversationNotFound | AccountError):
        return None
    if isinstance(error, BudgetError):
        return FailureKind.BUDGET
    if isinstance(error, RateLimited) or getattr(error, "status", None) == 429:
        return FailureKind.RATE_LIMIT
    if isinstance(error, StreamErrorPayload) and str(error.code) == "429":
        return FailureKind.RATE_LIMIT
    if isinstance(error, UpstreamTimeout):
        return FailureKind.TIMEOUT
    if isinstance(error, StreamInterrupted) and error.detail.startswith("stalled"):
        return FailureKind.TIMEOUT  # upstream/errors.py error_mid_stream names stalls so
    if isinstance(error, StreamError):
        return FailureKind.DROP
    if isinstance(error, UpstreamError):
        return FailureKind.UPSTREAM
    return FailureKind.OTHER


@dataclass(frozen=True)
class TurnOutcome:
    """One turn's end, as telemetry records it: ids, timings, tokens and cost, never text.

    Tokens and cost are this turn's own (a continued reply's earlier runs are left out), so
    summing outcomes never counts a run twice.
    """

    turn: str  # send, edit, regenerate, retry, continue
    outcome: Outcome
    model: str | None = None
    conversation_id: int | None = None
    message_id: int | None = None
    owner_id: int | None = None
    failure: FailureKind | None = None
    # A send a budget refused: which limit (global, conversation, user).
    budget_scope: str | None = None
    # The kind of every attempt that failed and was tried again.
    retries: tuple[FailureKind, ...] = ()
    first_token_ms: int | None = None
    total_ms: int | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    cost_source: str | None = None

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over the whole reply time, as each reply's line shows it."""
        if not self.completion_tokens or not self.total_ms:
            return None
        return self.completion_tokens * 1000 / self.total_ms
