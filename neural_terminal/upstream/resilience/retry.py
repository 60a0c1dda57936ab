"""When a request that failed before its first token is tried again, and after how long.

Pure policy: the orchestrator runs the loop (it has to tell the user between attempts), this
module only answers "retry? after how many seconds?". Which failures are transient follows
OpenRouter's error list (https://openrouter.ai/docs/api/reference/errors-and-debugging):

    retried         408, 429 (after ``Retry-After``), 502, 503, 504, connection errors and
                    timeouts, a stream that dropped or reported one of those codes before any
                    text, 402 only when the upstream sent ``Retry-After``
    never retried   400, 401, 402 without ``Retry-After``, 403, 500, malformed streams,
                    an open circuit breaker, anything after the first token
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from neural_terminal.domain.errors import (
    CircuitOpen,
    InsufficientCredits,
    NeuralTerminalError,
    StreamErrorPayload,
    StreamInterrupted,
    UpstreamError,
    UpstreamNotConfigured,
    UpstreamTimeout,
    UpstreamUnreachable,
)

RETRYABLE_STATUSES = frozenset({408, 429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter; ``Retry-After`` wins when the upstream sends it."""

    attempts: int = 3  # in all, the first one included
    base_s: float = 1.0
    max_wait_s: float = 20.0
    budget_s: float = 60.0  # from the first attempt to the start of the last, waits included

    def is_retryable(self, error: NeuralTerminalError) -> bool:
        """True for the failures that are worth another attempt (before the first token)."""
        if isinstance(error, CircuitOpen | UpstreamNotConfigured):
            return False
        if isinstance(error, UpstreamUnreachable | UpstreamTimeout | StreamInterrupted):
            return True
        if isinstance(error, InsufficientCredits):
            # Out of credits is final unless the upstream itself says when to come back.
            return error.retry_after is not None
        if isinstance(error, StreamErrorPayload):
            return _status(error.code) in RETRYABLE_STATUSES
        return isinstance(error, UpstreamError) and error.status in RETRYABLE_STATUSES

    def backoff_s(self, attempt: int, random: Callable[[], float]) -> float:
        """The wait after failed attempt ``attempt`` (1-based): half fixed, half jitter."""
        ceiling = min(self.max_wait_s, self.base_s * 2.0 ** (attempt - 1))
        # "Equal jitter": never a near-zero wait, and clients that failed together spread out.
        return ceiling / 2 + random() * ceiling / 2

    def wait_before_next(
        self,
        error: NeuralTerminalError,
        *,
        attempt: int,
        elapsed_s: float,
        random: Callable[[], float],
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up now."""
        if attempt >= self.attempts or not self.is_retryable(error):
            return None
        retry_after = error.retry_after if isinstance(error, UpstreamError) else None
        wait = retry_after if retry_after is not None else self.backoff_s(attempt, random)
        if elapsed_s + wait > self.budget_s:
            return None  # the next attempt could not start within the budget
        return wait


def is_upstream_failure(error: NeuralTerminalError) -> bool:
    """True when ``error`` says the upstream is unhealthy (what the circuit breaker counts).

    A refused key, missing credits or moderation prove the upstream is up and answering.
    """
    if isinstance(error, CircuitOpen | UpstreamNotConfigured):
        return False
    if isinstance(error, UpstreamUnreachable | UpstreamTimeout | StreamInterrupted):
        return True
    if isinstance(error, StreamErrorPayload):
        status = _status(error.code)
        return status is None or status >= 500 or status in RETRYABLE_STATUSES
    if isinstance(error, UpstreamError):
        return error.status is not None and (error.status >= 500 or error.status == 429)
    return False


def _status(code: int | str | None) -> int | None:
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None


def retry_reason(error: NeuralTerminalError) -> str:
    """A few words on why an attempt failed, for "… : retrying (2/3) in 4 s"."""
    status = getattr(error, "status", None)
    if isinstance(error, UpstreamUnreachable):
        return "the provider cannot be reached"
    if isinstance(error, UpstreamTimeout):
        return "the provider did not answer in time"
    if isinstance(error, StreamInterrupted):
        return "the connection dropped before the reply started"
    if isinstance(error, InsufficientCredits):
        return "out of credits (the provider asked us to come back)"
    if isinstance(error, StreamErrorPayload):
        return f"the provider reported error {error.code}"
    if status == 429:
        return "rate limited by the provider"
    if status is not None:
        return f"the provider answered HTTP {status}"
    return "the request failed"
