"""Speed in SQL: histograms and nearest-rank percentiles of time to first token and tokens
per second, the latest replies' length against their total time, and the model scoreboard.

Speeds are read from complete replies (a broken one's pace says little). Tokens per second is
output tokens over the whole reply time, as each reply's line shows it, computed in double
precision on both databases (IEEE division, the same figure Python computes).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Float, and_, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.domain.telemetry import (
    SCATTER_POINTS,
    SPEED_EDGES_TPS,
    TTFT_EDGES_MS,
    Drift,
    Histogram,
    LatencyPoint,
    Score,
    Spread,
)
from neural_terminal.store.telemetry.scope import MESSAGES, Scope, replies, scoped
from neural_terminal.store.telemetry.spend_queries import usd

TTFT = MESSAGES.c.first_token_ms
TPS: ColumnElement[Any] = cast(MESSAGES.c.completion_tokens, Float) * 1000 / MESSAGES.c.total_ms


def _timed() -> list[ColumnElement[bool]]:
    """Complete replies with a time to first token and a total time."""
    return [
        *replies(),
        MESSAGES.c.status == MessageStatus.COMPLETE.value,
        TTFT.is_not(None),
        MESSAGES.c.total_ms > 0,
        MESSAGES.c.completion_tokens.is_not(None),
    ]


def _bucket(value: ColumnElement[Any], edges: tuple[int, ...]) -> ColumnElement[int]:
    whens = [(value < edge, index - 1) for index, edge in enumerate(edges) if index > 0]
    return case(*whens, else_=len(edges) - 1)


@dataclass(frozen=True)
class Speeds:
    """One pass over the timed replies: both histograms and how many replies each model has."""

    ttft: Histogram
    speed: Histogram
    counts: dict[str, int]


def histograms(conn: Connection, scope: Scope) -> Speeds:
    """Counts per bucket of time to first token (ms) and of tokens per second, and per model,
    in one pass over the covering index."""
    ttft = _bucket(TTFT, TTFT_EDGES_MS).label("ttft")
    speed = _bucket(TPS, SPEED_EDGES_TPS).label("speed")
    query = scoped(
        select(MESSAGES.c.model, ttft, speed, func.count()).where(*_timed()), MESSAGES, scope
    )
    by_ttft = [0] * len(TTFT_EDGES_MS)
    by_speed = [0] * len(SPEED_EDGES_TPS)
    counts: dict[str, int] = defaultdict(int)
    for model, t, v, count in conn.execute(query.group_by(MESSAGES.c.model, ttft, speed)):
        by_ttft[int(t)] += int(count)
        by_speed[int(v)] += int(count)
        counts[str(model)] += int(count)
    return Speeds(
        Histogram(TTFT_EDGES_MS, tuple(by_ttft)),
        Histogram(SPEED_EDGES_TPS, tuple(by_speed)),
        dict(counts),
    )


def _rank(percent: int, n: int) -> int:
    """Nearest rank: ceil(p x n / 100), in integers."""
    return -(-percent * n // 100)


def spreads(conn: Connection, scope: Scope, counts: dict[str, int]) -> list[Spread]:
    """p50 and p95 of time to first token and tokens per second, per model (``counts``: how
    many timed replies each has)."""
    if conn.dialect.name == "postgresql":
        return _ordered_set_spreads(conn, scope)
    return _ranked_spreads(conn, scope, counts)


def _ordered_set_spreads(conn: Connection, scope: Scope) -> list[Spread]:
    """PostgreSQL's ``percentile_disc``: the first value whose position reaches p x n, which
    is the nearest rank (ceil(p x n) in float8 is exact for these p below 10^15 rows)."""
    ranked = (0.5, 0.95)

    def disc(value: ColumnElement[Any]) -> ColumnElement[Any]:
        fractions = postgresql.array([literal(p) for p in ranked])
        return func.percentile_disc(fractions).within_group(value)

    query = scoped(
        select(MESSAGES.c.model, func.count(), disc(TTFT), disc(TPS))
        .where(*_timed())
        .group_by(MESSAGES.c.model)
        .order_by(MESSAGES.c.model),
        MESSAGES,
        scope,
    )
    return [
        Spread(str(model), int(n), float(t[0]), float(t[1]), float(v[0]), float(v[1]))
        for model, n, t, v in conn.execute(query)
    ]


def _ranked_spreads(conn: Connection, scope: Scope, counts: dict[str, int]) -> list[Spread]:
    """SQLite: one ordered pass per figure (a window); only the ranked rows come back."""
    ranks = {model: (_rank(50, n), _rank(95, n)) for model, n in counts.items()}
    wanted = sorted({rank for pair in ranks.values() for rank in pair})
    found: dict[tuple[str, str, int], float] = {}
    for name, value in (("ttft", TTFT), ("tps", TPS)):
        ranked = scoped(
            select(
                MESSAGES.c.model.label("model"),
                value.label("value"),
                func.row_number()
                .over(partition_by=MESSAGES.c.model, order_by=value)  # ties: equal values
                .label("rank"),
            ).where(*_timed()),
            MESSAGES,
            scope,
        ).subquery()
        query = select(ranked.c.model, ranked.c.rank, ranked.c.value).where(
            ranked.c.rank.in_(wanted)
        )
        for model, rank, figure in conn.execute(query):
            found[(name, str(model), int(rank))] = float(figure)
    return [
        Spread(
            model,
            counts[model],
            found.get(("ttft", model, p50)),
            found.get(("ttft", model, p95)),
            found.get(("tps", model, p50)),
            found.get(("tps", model, p95)),
        )
        for model, (p50, p95) in sorted(ranks.items())
    ]


def latency_points(conn: Connection, scope: Scope) -> list[LatencyPoint]:
    """The newest ``SCATTER_POINTS`` complete replies: output tokens against total time."""
    query = scoped(
        select(MESSAGES.c.id, MESSAGES.c.model, MESSAGES.c.completion_tokens, MESSAGES.c.total_ms)
        .where(*_timed())
        .order_by(MESSAGES.c.created_at.desc(), MESSAGES.c.id.desc())
        .limit(SCATTER_POINTS),
        MESSAGES,
        scope,
    )
    return [
        LatencyPoint(int(mid), str(model), int(tokens), int(total))
        for mid, model, tokens, total in conn.execute(query)
    ]


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


def models(conn: Connection, scope: Scope) -> list[str]:
    """Every model the scope's replies came from, by name."""
    query = scoped(
        select(MESSAGES.c.model).where(*replies()).where(MESSAGES.c.model.is_not(None)).distinct(),
        MESSAGES,
        scope,
    )
    return sorted(str(model) for (model,) in conn.execute(query))
