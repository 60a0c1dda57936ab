"""Speed in SQL: histograms and nearest-rank percentiles of time to first token and tokens
per second, the latest replies' length against their total time, and the model scoreboard.

Speeds are read from complete replies (a broken one's pace says little). Tokens per second is
output tokens over the whole reply time, as each reply's line shows it, computed in double
precision on both databases (IEEE division, the same figure Python computes).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Float, and_, case, cast, func, or_, select
from sqlalchemy.sql import ColumnElement

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.domain.telemetry import (
    SCATTER_POINTS,
    SPEED_EDGES_TPS,
    TTFT_EDGES_MS,
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


def histogram(conn: Connection, scope: Scope, *, speed: bool) -> Histogram:
    """Counts per bucket of time to first token (ms), or of tokens per second."""
    edges = SPEED_EDGES_TPS if speed else TTFT_EDGES_MS
    bucket = _bucket(TPS if speed else TTFT, edges).label("bucket")
    query = scoped(select(bucket, func.count()).where(*_timed()), MESSAGES, scope).group_by(bucket)
    counts = [0] * len(edges)
    for index, count in conn.execute(query):
        counts[int(index)] = int(count)
    return Histogram(edges, tuple(counts))


def _rank(percent: int, n: ColumnElement[int]) -> ColumnElement[int]:
    # Nearest rank, ceil(p x n / 100), in integer arithmetic (both databases truncate).
    return (percent * n + 99) // 100


def spreads(conn: Connection, scope: Scope) -> list[Spread]:
    """p50 and p95 of time to first token and tokens per second, per model."""
    ranked = scoped(
        select(
            MESSAGES.c.model.label("model"),
            TTFT.label("ttft"),
            TPS.label("tps"),
            func.row_number()
            .over(partition_by=MESSAGES.c.model, order_by=(TTFT, MESSAGES.c.id))
            .label("ttft_rank"),
            func.row_number()
            .over(partition_by=MESSAGES.c.model, order_by=(TPS, MESSAGES.c.id))
            .label("tps_rank"),
            func.count().over(partition_by=MESSAGES.c.model).label("n"),
        ).where(*_timed()),
        MESSAGES,
        scope,
    ).subquery()

    def at(value: ColumnElement[Any], rank: ColumnElement[int], percent: int) -> Any:
        return func.max(case((rank == _rank(percent, ranked.c.n), value)))

    query = (
        select(
            ranked.c.model,
            func.max(ranked.c.n),
            at(ranked.c.ttft, ranked.c.ttft_rank, 50),
            at(ranked.c.ttft, ranked.c.ttft_rank, 95),
            at(ranked.c.tps, ranked.c.tps_rank, 50),
            at(ranked.c.tps, ranked.c.tps_rank, 95),
        )
        .where(
            or_(
                ranked.c.ttft_rank.in_([_rank(50, ranked.c.n), _rank(95, ranked.c.n)]),
                ranked.c.tps_rank.in_([_rank(50, ranked.c.n), _rank(95, ranked.c.n)]),
            )
        )
        .group_by(ranked.c.model)
        .order_by(ranked.c.model)
    )
    return [
        Spread(str(model), int(n), _num(t50), _num(t95), _num(s50), _num(s95))
        for model, n, t50, t95, s50, s95 in conn.execute(query)
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


def scores(
    conn: Connection, scope: Scope, medians: dict[str, Spread], *, stopped: str
) -> list[Score]:
    """Every model's replies, failures, cost per output token and medians (from ``medians``).

    A failure is a reply that ended in error or broke off, but not one the user stopped
    (its error text is ``stopped``)."""
    failed = and_(
        MESSAGES.c.status.in_([MessageStatus.ERROR.value, MessageStatus.INTERRUPTED.value]),
        or_(MESSAGES.c.error.is_(None), MESSAGES.c.error != stopped),
    )
    query = scoped(
        select(
            MESSAGES.c.model,
            MESSAGES.c.provider,
            func.count(),
            func.sum(case((failed, 1), else_=0)),
            func.sum(MESSAGES.c.cost_usd),
            func.sum(MESSAGES.c.completion_tokens),
        )
        .where(*replies())
        .group_by(MESSAGES.c.model, MESSAGES.c.provider),
        MESSAGES,
        scope,
    )
    totals: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Decimal(0), 0])
    providers: dict[str, Counter[str]] = defaultdict(Counter)
    for model, provider, count, failures, cost, tokens in conn.execute(query):
        line = totals[str(model)]
        line[0] += int(count)
        line[1] += int(failures or 0)
        line[2] += usd(cost)
        line[3] += int(tokens or 0)
        if provider:
            providers[str(model)][str(provider)] += int(count)
    found = []
    for model, (count, failures, cost, tokens) in sorted(totals.items()):
        spread = medians.get(model)
        found.append(
            Score(
                model=model,
                provider=", ".join(name for name, _ in providers[model].most_common(2)),
                replies=count,
                failed=failures,
                median_ttft_ms=spread.ttft_p50_ms if spread else None,
                median_tps=spread.tps_p50 if spread else None,
                cost_usd=cost,
                completion_tokens=tokens,
            )
        )
    return found


def models(conn: Connection, scope: Scope) -> list[str]:
    """Every model the scope's replies came from, by name."""
    query = scoped(
        select(MESSAGES.c.model).where(*replies()).where(MESSAGES.c.model.is_not(None)).distinct(),
        MESSAGES,
        scope,
    )
    return sorted(str(model) for (model,) in conn.execute(query))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)
