"""Speed in SQL: histograms and nearest-rank percentiles of time to first token and tokens
per second, the latest replies' length against their total time, and the models replied with.

Speeds are read from complete replies (a broken one's pace says little). Tokens per second is
output tokens over the whole reply time, as each reply's line shows it, computed in double
precision on both databases (IEEE division, the same figure Python computes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Float, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.domain.telemetry import (
    SCATTER_POINTS,
    SPEED_EDGES_TPS,
    TTFT_EDGES_MS,
    Histogram,
    LatencyPoint,
    Spread,
)
from neural_terminal.store.telemetry.scope import MESSAGES, Scope, replies, scoped

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


def models(conn: Connection, scope: Scope) -> list[str]:
    """Every model the scope's replies came from, by name."""
    query = scoped(
        select(MESSAGES.c.model).where(*replies()).where(MESSAGES.c.model.is_not(None)).distinct(),
        MESSAGES,
        scope,
    )
    return sorted(str(model) for (model,) in conn.execute(query))
