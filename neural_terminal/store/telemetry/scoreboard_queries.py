"""The scoreboard in SQL: one pass over a scope's replies sums, per model and provider, the
replies, failures, cost, output tokens and the drift of estimates from bills."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.domain.telemetry import Drift, Score, Spread
from neural_terminal.store.telemetry.scope import MESSAGES, Scope, replies, scoped
from neural_terminal.store.telemetry.spend_queries import usd


@dataclass(frozen=True)
class ModelTotals:
    """What one pass over a scope's replies sums per model."""

    scores: list[Score]
    drift: list[Drift]
    cost_by_model: dict[str, Decimal]


def model_totals(
    conn: Connection, scope: Scope, medians: dict[str, Spread], *, stopped: str
) -> ModelTotals:
    """Every model's replies, failures, cost, output, providers and drift, in one pass.

    A failure is a reply that ended in error or broke off, but not one the user stopped
    (its error text is ``stopped``; those few rows are counted apart, so the pass reads
    only the covering index)."""
    broken = MESSAGES.c.status.in_([MessageStatus.ERROR.value, MessageStatus.INTERRUPTED.value])
    estimated = and_(MESSAGES.c.estimate_usd.is_not(None), MESSAGES.c.drift_usd.is_not(None))
    query = scoped(
        select(
            MESSAGES.c.model,
            MESSAGES.c.provider,
            func.count(),
            func.sum(case((broken, 1), else_=0)),
            func.sum(MESSAGES.c.cost_usd),
            func.sum(MESSAGES.c.completion_tokens),
            func.sum(case((estimated, 1), else_=0)),
            func.sum(case((estimated, MESSAGES.c.estimate_usd))),
            func.sum(case((estimated, MESSAGES.c.drift_usd))),
            func.sum(case((estimated, func.abs(MESSAGES.c.drift_usd)))),
        )
        .where(*replies())
        .group_by(MESSAGES.c.model, MESSAGES.c.provider),
        MESSAGES,
        scope,
    )
    lines: dict[str, _Line] = defaultdict(_Line)
    for model, provider, *sums in conn.execute(query):
        lines[str(model)].add(provider, *sums)
    for model, count in _stopped(conn, scope, stopped):
        lines[model].failed -= count
    scores, drift = [], []
    for model, line in sorted(lines.items()):
        spread = medians.get(model)
        scores.append(
            Score(
                model=model,
                provider=", ".join(name for name, _ in line.providers.most_common(2)),
                replies=line.replies,
                failed=line.failed,
                median_ttft_ms=spread.ttft_p50_ms if spread else None,
                median_tps=spread.tps_p50 if spread else None,
                cost_usd=line.cost,
                completion_tokens=line.tokens,
            )
        )
        if line.estimated:
            drift.append(Drift(model, line.estimated, line.estimate, line.drift, line.abs_drift))
    return ModelTotals(scores, drift, {model: line.cost for model, line in lines.items()})


@dataclass
class _Line:
    replies: int = 0
    failed: int = 0
    cost: Decimal = Decimal(0)
    tokens: int = 0
    estimated: int = 0
    estimate: Decimal = Decimal(0)
    drift: Decimal = Decimal(0)
    abs_drift: Decimal = Decimal(0)
    providers: Counter[str] = field(default_factory=Counter)

    def add(
        self, provider: Any, count: Any, broken: Any, cost: Any, tokens: Any, *drift: Any
    ) -> None:
        self.replies += int(count)
        self.failed += int(broken or 0)
        self.cost += usd(cost)
        self.tokens += int(tokens or 0)
        estimated, estimate, off, absolute = drift
        self.estimated += int(estimated or 0)
        self.estimate += usd(estimate)
        self.drift += usd(off)
        self.abs_drift += usd(absolute)
        if provider:
            self.providers[str(provider)] += int(count)


def _stopped(conn: Connection, scope: Scope, stopped: str) -> list[tuple[str, int]]:
    """Broken-off replies per model that the user stopped."""
    query = scoped(
        select(MESSAGES.c.model, func.count())
        .where(*replies())
        .where(MESSAGES.c.status == MessageStatus.INTERRUPTED.value, MESSAGES.c.error == stopped)
        .group_by(MESSAGES.c.model),
        MESSAGES,
        scope,
    )
    return [(str(model), int(count)) for model, count in conn.execute(query)]
