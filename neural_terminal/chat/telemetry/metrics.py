"""Prometheus metrics for operators, in a registry of the process's own (never the global
one), fed once per turn outcome (never per token) and read at scrape time for live gauges.

Labels are bounded: a model id the catalogue lists (any other reads ``other``), an outcome, a
failure kind, a budget scope. Never user text, titles or names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from neural_terminal.domain.outcomes import Outcome, TurnOutcome
from neural_terminal.domain.telemetry import SPEED_EDGES_TPS
from neural_terminal.upstream.resilience.breaker import BreakerState, BreakerStatus

PREFIX = "neural_terminal"
OTHER_MODEL = "other"
SECONDS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300)


@dataclass
class LiveSources:
    """What the live gauges read at scrape time."""

    breaker: Callable[[], BreakerStatus]
    active_streams: Callable[[], int]
    websocket_clients: Callable[[], int] = lambda: 0


class TelemetryMetrics:
    """Every metric, registered in a private ``CollectorRegistry``."""

    def __init__(self, *, known_model: Callable[[str], bool], live: LiveSources) -> None:
        self.registry = CollectorRegistry()
        self.live = live
        self._known = known_model
        r = self.registry
        self.replies = Counter(
            f"{PREFIX}_replies", "Replies by model and outcome", ["model", "outcome"], registry=r
        )
        self.tokens = Counter(
            f"{PREFIX}_tokens", "Tokens by model and direction", ["model", "direction"], registry=r
        )
        self.spend = Counter(f"{PREFIX}_spend_usd", "Spend in USD by model", ["model"], registry=r)
        self.ttft = Histogram(
            f"{PREFIX}_time_to_first_token_seconds",
            "Time from sending to the first token",
            ["model"],
            buckets=SECONDS_BUCKETS,
            registry=r,
        )
        self.duration = Histogram(
            f"{PREFIX}_reply_duration_seconds",
            "Time from sending to the reply's end",
            ["model"],
            buckets=SECONDS_BUCKETS,
            registry=r,
        )
        self.speed = Histogram(
            f"{PREFIX}_tokens_per_second",
            "Output tokens per second of complete replies",
            ["model"],
            buckets=tuple(float(edge) for edge in SPEED_EDGES_TPS[1:]),
            registry=r,
        )
        self.failures = Counter(f"{PREFIX}_failures", "Failed turns by kind", ["kind"], registry=r)
        self.retries = Counter(
            f"{PREFIX}_retries", "Attempts tried again, by why they failed", ["kind"], registry=r
        )
        self.budget_refusals = Counter(
            f"{PREFIX}_budget_refusals",
            "Sends refused by a budget, by scope",
            ["scope"],
            registry=r,
        )
        r.register(_Live(live))

    def observe(self, outcome: TurnOutcome) -> None:
        """Count one turn's outcome."""
        for kind in outcome.retries:
            self.retries.labels(kind.value).inc()
        if outcome.failure is not None:
            self.failures.labels(outcome.failure.value).inc()
        if outcome.outcome is Outcome.REFUSED:
            if outcome.budget_scope is not None:
                self.budget_refusals.labels(outcome.budget_scope).inc()
            return
        model = self._label(outcome.model)
        self.replies.labels(model, outcome.outcome.value).inc()
        self.tokens.labels(model, "prompt").inc(outcome.prompt_tokens)
        self.tokens.labels(model, "completion").inc(outcome.completion_tokens)
        # Prometheus samples are float64 on the wire: the one place a cost leaves Decimal, for
        # an operator's graph (the exact figure stays in the database and the app's views).
        self.spend.labels(model).inc(float(outcome.cost_usd))
        if outcome.first_token_ms is not None:
            self.ttft.labels(model).observe(outcome.first_token_ms / 1000)
        if outcome.total_ms is not None:
            self.duration.labels(model).observe(outcome.total_ms / 1000)
        speed = outcome.tokens_per_second
        if speed is not None and outcome.outcome is Outcome.COMPLETE:
            self.speed.labels(model).observe(speed)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    def _label(self, model: str | None) -> str:
        return model if model and self._known(model) else OTHER_MODEL


class _Live(Collector):
    """Gauges read when scraped: the breaker, replies streaming, websocket clients."""

    def __init__(self, live: LiveSources) -> None:
        self._live = live

    def collect(self) -> Iterator[Metric]:
        status = self._live.breaker()
        state = GaugeMetricFamily(
            f"{PREFIX}_breaker_state",
            "The upstream's circuit breaker (1: its state)",
            labels=["state"],
        )
        for name in BreakerState:
            state.add_metric([name.value], 1.0 if status.state is name else 0.0)
        yield state
        yield GaugeMetricFamily(
            f"{PREFIX}_breaker_failures",
            "Upstream failures in a row",
            value=float(status.failures),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_active_streams",
            "Replies streaming in this process",
            value=float(self._live.active_streams()),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_websocket_clients",
            "Browser websockets connected to this process",
            value=float(self._live.websocket_clients()),
        )
