"""What the telemetry page shows, as plain values: one range's spend, speed, drift and failures.

Money stays ``Decimal`` (summed exactly by SQL); speeds are the stored milliseconds and token
counts. Percentiles are nearest-rank: the value at rank ceil(p x n) of the sorted values, so
they are always a value that was measured, and exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from neural_terminal.domain.periods import Period

# Histogram bucket edges: a value v falls in bucket i when edges[i] <= v < edges[i + 1]; the
# last bucket holds everything from the last edge up.
TTFT_EDGES_MS: tuple[int, ...] = (0, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000)
SPEED_EDGES_TPS: tuple[int, ...] = (0, 10, 20, 30, 40, 60, 80, 100, 150, 200, 400)
TOP = 10
SCATTER_POINTS = 300


def nearest_rank(sorted_values: Sequence[float], percent: int) -> float | None:
    """The ``percent``-th percentile by nearest rank (None for no values)."""
    if not sorted_values:
        return None
    rank = max(1, -(-percent * len(sorted_values) // 100))  # ceil without floats
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class TelemetryQuery:
    """Which replies: created in [start, end) (None: unbounded), of one model (None: all)."""

    start: datetime | None = None
    end: datetime | None = None
    model: str | None = None


@dataclass(frozen=True)
class DaySpend:
    """What was spent on one local day."""

    day: date
    usd: Decimal


@dataclass(frozen=True)
class SpendShare:
    """What one model or one conversation cost in the range."""

    key: str
    label: str
    usd: Decimal


@dataclass(frozen=True)
class Histogram:
    """Counts per bucket (see the edges above)."""

    edges: tuple[int, ...]
    counts: tuple[int, ...]

    def label(self, index: int) -> str:
        """``250-500`` or ``10000+``."""
        low = self.edges[index]
        if index + 1 < len(self.edges):
            return f"{low}-{self.edges[index + 1]}"
        return f"{low}+"


@dataclass(frozen=True)
class Spread:
    """p50 and p95 of one model's time to first token (ms) and tokens per second."""

    model: str
    replies: int
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None
    tps_p50: float | None
    tps_p95: float | None


@dataclass(frozen=True)
class LatencyPoint:
    """One reply: its length in output tokens and its total time."""

    message_id: int
    model: str
    completion_tokens: int
    total_ms: int


@dataclass(frozen=True)
class Drift:
    """Our estimates against the billed figures of one model's replies."""

    model: str
    replies: int
    estimate_usd: Decimal
    drift_usd: Decimal  # billed - estimate, summed
    abs_drift_usd: Decimal

    @property
    def percent(self) -> Decimal | None:
        """Net drift as a share of the estimate, in percent (None: nothing estimated)."""
        return self.drift_usd * 100 / self.estimate_usd if self.estimate_usd else None


@dataclass(frozen=True)
class FailureDay:
    """How many failures of one kind on one local day."""

    day: date
    kind: str
    count: int


@dataclass(frozen=True)
class Score:
    """One model's line of the scoreboard."""

    model: str
    provider: str
    replies: int
    failed: int
    median_ttft_ms: float | None
    median_tps: float | None
    cost_usd: Decimal
    completion_tokens: int

    @property
    def per_thousand_output(self) -> Decimal | None:
        """Dollars per 1,000 output tokens (None: no output)."""
        if not self.completion_tokens:
            return None
        return self.cost_usd * 1000 / self.completion_tokens

    @property
    def failure_rate(self) -> Decimal:
        """Failed replies over replies (0 for none)."""
        return Decimal(self.failed) / self.replies if self.replies else Decimal(0)


@dataclass(frozen=True)
class SpendCurve:
    """Daily spend with the budget's limit and a projection to its period's end."""

    days: tuple[DaySpend, ...]
    limit_usd: Decimal | None = None
    period: Period = Period.NONE
    # Spent in the current period so far, and at the current rate by its end (None: the
    # range does not reach today, or one model is picked: the budget counts every model).
    period_spent_usd: Decimal | None = None
    projected_usd: Decimal | None = None
    # The period's running total at the end of each of its days up to today, and its
    # projected total at the end of today and of every day left in it.
    totals: tuple[DaySpend, ...] = ()
    projection: tuple[DaySpend, ...] = ()


@dataclass(frozen=True)
class TelemetryView:
    """Every panel of the telemetry page for one range and model filter."""

    query: TelemetryQuery
    at: datetime  # the instant the figures were read at
    time_zone: str
    spend: SpendCurve
    by_model: tuple[SpendShare, ...]
    by_conversation: tuple[SpendShare, ...]
    ttft: Histogram
    speed: Histogram
    spreads: tuple[Spread, ...]
    latency: tuple[LatencyPoint, ...]
    drift: tuple[Drift, ...]
    failures: tuple[FailureDay, ...]
    scores: tuple[Score, ...]
    models: tuple[str, ...] = field(default=())

    @property
    def total_usd(self) -> Decimal:
        """Everything spent in the range."""
        return sum((day.usd for day in self.spend.days), Decimal(0))
