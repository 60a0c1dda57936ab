"""The circuit breaker's cycle: closed, open, half-open, closed (or open again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from neural_terminal.domain.errors import CircuitOpen
from neural_terminal.upstream.resilience.breaker import BreakerState, CircuitBreaker

NOON = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)


class Clocks:
    """A monotonic clock and a wall clock that move together, by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return NOON + timedelta(seconds=self.now)


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def breaker(clocks: Clocks) -> CircuitBreaker:
    return CircuitBreaker(
        failure_threshold=3, cooldown_s=30, clock=clocks.monotonic, wall_clock=clocks.wall
    )


def state(breaker: CircuitBreaker) -> BreakerState:
    """The state, read through a call so each check reads it afresh."""
    return breaker.state


def _fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_request()
        breaker.record_failure()


def test_it_opens_after_n_consecutive_failures_and_fails_fast(
    breaker: CircuitBreaker, clocks: Clocks
) -> None:
    _fail(breaker, 2)
    assert state(breaker) is BreakerState.CLOSED
    _fail(breaker, 1)
    clocks.now = 12.0

    with pytest.raises(CircuitOpen) as raised:
        breaker.before_request()

    assert raised.value.probe_in_s == 18.0
    assert "in 18 s" in raised.value.user_message
    status = breaker.status()
    assert (status.state, status.failures, status.probe_at) == (
        BreakerState.OPEN,
        3,
        NOON + timedelta(seconds=30),
    )


def test_a_success_resets_the_streak(breaker: CircuitBreaker) -> None:
    _fail(breaker, 2)
    breaker.record_success()
    _fail(breaker, 2)
    assert state(breaker) is BreakerState.CLOSED


def test_after_the_cooldown_one_probe_goes_and_the_rest_wait(
    breaker: CircuitBreaker, clocks: Clocks
) -> None:
    _fail(breaker, 3)
    clocks.now = 30.0
    assert state(breaker) is BreakerState.HALF_OPEN

    breaker.before_request()  # the probe
    with pytest.raises(CircuitOpen, match="one test request is checking it"):
        breaker.before_request()

    breaker.record_success()
    assert state(breaker) is BreakerState.CLOSED
    breaker.before_request()


def test_a_failed_probe_opens_it_again_for_a_full_cooldown(
    breaker: CircuitBreaker, clocks: Clocks
) -> None:
    _fail(breaker, 3)
    clocks.now = 31.0
    breaker.before_request()
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    clocks.now = 60.0
    assert state(breaker) is BreakerState.OPEN
    clocks.now = 61.0
    assert state(breaker) is BreakerState.HALF_OPEN


def test_a_probe_stopped_by_the_user_frees_the_slot(
    breaker: CircuitBreaker, clocks: Clocks
) -> None:
    _fail(breaker, 3)
    clocks.now = 30.0
    breaker.before_request()
    breaker.release()
    breaker.before_request()  # another request may probe
