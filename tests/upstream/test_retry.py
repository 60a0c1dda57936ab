"""The retry policy: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import pytest

from neural_terminal.domain.errors import (
    BadRequest,
    CircuitOpen,
    InsufficientCredits,
    InvalidApiKey,
    MalformedStream,
    Moderated,
    NeuralTerminalError,
    ProviderUnavailable,
    RateLimited,
    StreamErrorPayload,
    StreamInterrupted,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from neural_terminal.upstream.resilience.retry import RetryPolicy, is_upstream_failure, retry_reason

POLICY = RetryPolicy(attempts=4, base_s=1.0, max_wait_s=5.0, budget_s=30.0)


@pytest.mark.parametrize(
    ("error", "retried", "counts"),
    [
        pytest.param(UpstreamUnreachable(), True, True, id="connect"),
        pytest.param(UpstreamTimeout(status=408), True, True, id="408"),
        pytest.param(RateLimited(), True, True, id="429"),
        pytest.param(ProviderUnavailable(status=502), True, True, id="502"),
        pytest.param(ProviderUnavailable(status=503), True, True, id="503"),
        pytest.param(ProviderUnavailable(status=500), False, True, id="500"),
        pytest.param(StreamInterrupted(), True, True, id="dropped"),
        pytest.param(StreamErrorPayload(code=502), True, True, id="payload-502"),
        pytest.param(StreamErrorPayload(code=400), False, False, id="payload-400"),
        pytest.param(BadRequest(status=400), False, False, id="400"),
        pytest.param(InvalidApiKey(status=401), False, False, id="401"),
        pytest.param(InsufficientCredits(status=402), False, False, id="402"),
        pytest.param(InsufficientCredits(status=402, retry_after=5), True, False, id="402-ra"),
        pytest.param(Moderated(status=403), False, False, id="403"),
        pytest.param(MalformedStream(), False, False, id="malformed"),
        pytest.param(CircuitOpen(), False, False, id="breaker"),
    ],
)
def test_which_failures_are_retried_and_counted(
    error: NeuralTerminalError, retried: bool, counts: bool
) -> None:
    assert POLICY.is_retryable(error) is retried
    assert is_upstream_failure(error) is counts
    assert retry_reason(error)


@pytest.mark.parametrize(("attempt", "low", "high"), [(1, 0.5, 1.0), (2, 1.0, 2.0), (4, 2.5, 5.0)])
def test_backoff_doubles_up_to_the_cap_with_jitter_in_its_upper_half(
    attempt: int, low: float, high: float
) -> None:
    assert POLICY.backoff_s(attempt, lambda: 0.0) == low
    assert POLICY.backoff_s(attempt, lambda: 1.0) == high


def test_retry_after_overrides_the_backoff() -> None:
    wait = POLICY.wait_before_next(
        RateLimited(retry_after=12), attempt=1, elapsed_s=0, random=lambda: 0.5
    )
    assert wait == 12


@pytest.mark.parametrize(
    ("attempt", "elapsed", "expected"),
    [
        pytest.param(3, 0.0, 0.75 * 4, id="third-of-four"),
        pytest.param(4, 0.0, None, id="attempts-used-up"),
        pytest.param(1, 29.5, None, id="budget-spent"),
    ],
)
def test_attempts_and_total_time_are_bounded(
    attempt: int, elapsed: float, expected: float | None
) -> None:
    error = ProviderUnavailable(status=503)
    wait = POLICY.wait_before_next(error, attempt=attempt, elapsed_s=elapsed, random=lambda: 0.5)
    assert wait == expected
