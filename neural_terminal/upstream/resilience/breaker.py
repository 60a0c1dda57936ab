"""A circuit breaker for one upstream: stop sending to a provider that keeps failing.

closed     every request goes out; ``failure_threshold`` upstream failures in a row open it
open       requests fail at once with :class:`CircuitOpen` until ``cooldown_s`` has passed
half-open  one probe request goes out; its success closes the breaker, its failure reopens it

Only failures that say the upstream is unhealthy count (see ``retry.is_upstream_failure``);
a rejected key or missing credits prove it is up. State lives in this process; with several
workers, neural_terminal/workers/shared_breaker.py shares the streak through Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from neural_terminal.domain.errors import CircuitOpen


class BreakerState(StrEnum):
    """Where the breaker is in its cycle."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass(frozen=True)
class BreakerStatus:
    """A snapshot for the UI: the state, the failure streak and when the next probe may go."""

    state: BreakerState
    failures: int
    threshold: int
    probe_at: datetime | None = None  # wall-clock time, while open


class CircuitBreaker:
    """Counts consecutive upstream failures and fails fast while the upstream is down."""

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._wall_clock = wall_clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        """Closed, open (cooling down) or half-open (a probe may go or is out)."""
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probing or self._clock() - self._opened_at >= self._cooldown_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def before_request(self) -> None:
        """Let a request through, or raise :class:`CircuitOpen` saying when to expect a probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return
        if state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True  # this request is the one probe
            return
        wait = self._seconds_to_probe()
        raise CircuitOpen(
            self._open_message(wait),
            detail=f"{self._failures} consecutive upstream failures; state={state}",
            probe_in_s=wait,
        )

    def record_success(self) -> None:
        """The upstream answered: close the breaker and forget the streak."""
        self._failures = 0
        self._opened_at = None
        self._probing = False

    def record_failure(self) -> None:
        """The upstream failed: a failed probe, or the streak reaching the threshold, opens it."""
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._opened_at = self._clock()
        self._probing = False

    def release(self) -> None:
        """A request ended without a verdict (the user stopped it): free the probe slot."""
        self._probing = False

    def adopt(self, failures: int, open_for_s: float | None) -> None:
        """Take the streak that the workers share: ``failures`` in a row, open for that long
        (None: closed). A probe this worker has out stays its own."""
        self._failures = failures
        if open_for_s is None:
            if not self._probing:
                self._opened_at = None
        else:
            self._opened_at = self._clock() - max(0.0, open_for_s)

    def status(self) -> BreakerStatus:
        """The current state, for display."""
        state = self.state
        probe_at = None
        if state is BreakerState.OPEN:
            probe_at = self._wall_clock() + timedelta(seconds=self._seconds_to_probe())
        return BreakerStatus(state, self._failures, self._threshold, probe_at)

    def _seconds_to_probe(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self._cooldown_s - self._clock())

    def _open_message(self, wait: float) -> str:
        if self._probing and wait == 0:
            return (
                "The provider failed repeatedly; one test request is checking it now. "
                "Try again in a few seconds; your message is kept."
            )
        at = (self._wall_clock() + timedelta(seconds=wait)).astimezone()
        return (
            f"The provider failed {self._failures} times in a row, so new requests are paused. "
            f"The next one is let through at {at:%H:%M:%S} (in {max(1, round(wait))} s) to "
            "test it; your message is kept."
        )
