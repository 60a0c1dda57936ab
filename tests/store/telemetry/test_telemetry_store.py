"""Telemetry aggregations in SQL against a seeded history of known replies, on SQLite and
PostgreSQL: every sum exact, every percentile the nearest-rank value computed here."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from neural_terminal.chat.turns.streaming import STOPPED_BY_USER
from neural_terminal.domain.telemetry import (
    SCATTER_POINTS,
    SPEED_EDGES_TPS,
    TOP,
    TTFT_EDGES_MS,
    nearest_rank,
)
from neural_terminal.store.engine import make_engine
from neural_terminal.store.telemetry.scope import SLOT_S, Scope
from neural_terminal.store.telemetry.telemetry_store import RawTelemetry, TelemetryStore
from tests.telemetry_rows import START, Seeded, by_model, seed

RANGE = (START + timedelta(days=2, hours=5), START + timedelta(days=9))
SCOPES = {
    "local, all time": Scope(),
    "local, a range": Scope(start=RANGE[0], end=RANGE[1]),
    "user 1, a range": Scope(local=False, owner_id=1, start=RANGE[0], end=RANGE[1]),
    "user 2, one model": Scope(local=False, owner_id=2, model="beta/cheap"),
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    return seed(engine)


def _in(scope: Scope, at: datetime, model: str) -> bool:
    after = scope.start is None or at >= scope.start
    before = scope.end is None or at < scope.end
    return after and before and (scope.model is None or model == scope.model)


def _costs(seeded: Seeded, scope: Scope) -> list[tuple[datetime, str, int, Decimal]]:
    return [
        row for row in seeded.costs(scope.owner_id, local=scope.local) if _in(scope, row[0], row[1])
    ]


def _timed(seeded: Seeded, scope: Scope) -> list[dict[str, Any]]:
    return [
        row
        for row in seeded.timed(scope.owner_id, local=scope.local)
        if _in(scope, row["created_at"], str(row["model"]))
    ]


def _replies(seeded: Seeded, scope: Scope) -> list[dict[str, Any]]:
    return [
        row
        for row in seeded.replies
        if (scope.local or seeded.owners[int(str(row["conversation_id"]))] == scope.owner_id)
        and row["status"] != "streaming"
        and row["imported_at"] is None
        and row["forked_from_id"] is None
        and _in(scope, row["created_at"], str(row["model"]))
    ]


def _tps(row: dict[str, Any]) -> float:
    return int(str(row["completion_tokens"])) * 1000 / int(str(row["total_ms"]))


def test_every_aggregation_of_every_scope_is_exact(engine: Engine, seeded: Seeded) -> None:
    """Spend per slot, model and conversation; histograms; nearest-rank percentiles; the
    scoreboard (failures but not stops, cost per output); drift, latency, failures, models."""
    store = TelemetryStore(engine)
    for scope in SCOPES.values():
        case = (scope, store.read(scope, stopped=STOPPED_BY_USER))
        check_spend(case, seeded)
        check_histograms(case, seeded)
        check_percentiles(case, seeded)
        check_scoreboard(case, seeded)
        check_drift_latency_failures_and_models(case, seeded)


def check_spend(case: tuple[Scope, RawTelemetry], seeded: Seeded) -> None:
    scope, raw = case
    costs = _costs(seeded, scope)
    slots: dict[int, Decimal] = defaultdict(Decimal)
    conversations: dict[int, Decimal] = defaultdict(Decimal)
    for at, _, cid, cost in costs:
        slots[int(at.timestamp()) // SLOT_S] += cost
        conversations[cid] += cost
    assert raw.spend_slots == sorted(slots.items())
    models = by_model(costs)
    expected_models = sorted(models.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    assert [(s.key, s.usd) for s in raw.by_model] == expected_models
    expected = sorted(conversations.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    assert [(int(s.key), s.label, s.usd) for s in raw.by_conversation] == [
        (cid, seeded.titles[cid], usd) for cid, usd in expected
    ]
    assert len(raw.by_conversation) == min(TOP, len(conversations))


def check_histograms(case: tuple[Scope, RawTelemetry], seeded: Seeded) -> None:
    scope, raw = case
    timed = _timed(seeded, scope)

    def bucket(value: float, edges: tuple[int, ...]) -> int:
        return max(i for i, edge in enumerate(edges) if value >= edge)

    ttft = Counter(bucket(int(str(r["first_token_ms"])), TTFT_EDGES_MS) for r in timed)
    speed = Counter(bucket(_tps(r), SPEED_EDGES_TPS) for r in timed)
    assert raw.ttft.counts == tuple(ttft[i] for i in range(len(TTFT_EDGES_MS)))
    assert raw.speed.counts == tuple(speed[i] for i in range(len(SPEED_EDGES_TPS)))
    assert sum(raw.ttft.counts) == len(timed) > 0


def check_percentiles(case: tuple[Scope, RawTelemetry], seeded: Seeded) -> None:
    scope, raw = case
    per_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _timed(seeded, scope):
        per_model[str(row["model"])].append(row)
    assert [s.model for s in raw.spreads] == sorted(per_model)
    for spread in raw.spreads:
        rows = per_model[spread.model]
        ttft = sorted(float(str(r["first_token_ms"])) for r in rows)
        tps = sorted(_tps(r) for r in rows)
        assert spread.replies == len(rows)
        assert (spread.ttft_p50_ms, spread.ttft_p95_ms) == (
            nearest_rank(ttft, 50),
            nearest_rank(ttft, 95),
        )
        assert (spread.tps_p50, spread.tps_p95) == (nearest_rank(tps, 50), nearest_rank(tps, 95))


def check_scoreboard(case: tuple[Scope, RawTelemetry], seeded: Seeded) -> None:
    scope, raw = case
    replies = _replies(seeded, scope)
    assert [s.model for s in raw.scores] == sorted({str(r["model"]) for r in replies})
    for score in raw.scores:
        mine = [r for r in replies if r["model"] == score.model]
        failed = [
            r
            for r in mine
            if r["status"] in ("error", "interrupted") and r["error"] != STOPPED_BY_USER
        ]
        cost = sum((r["cost_usd"] for r in mine), Decimal(0))
        tokens = sum(int(str(r["completion_tokens"])) for r in mine)
        assert (score.replies, score.failed, score.cost_usd) == (len(mine), len(failed), cost)
        assert score.per_thousand_output == cost * 1000 / tokens
        providers = {str(r["provider"]) for r in mine if r["provider"]}
        assert set(filter(None, score.provider.split(", "))) == providers
        spread = next(s for s in raw.spreads if s.model == score.model)
        assert score.median_ttft_ms == spread.ttft_p50_ms


def check_drift_latency_failures_and_models(
    case: tuple[Scope, RawTelemetry], seeded: Seeded
) -> None:
    scope, raw = case
    replies = [r for r in _replies(seeded, scope) if r["estimate_usd"] is not None]
    for drift in raw.drift:
        mine = [r for r in replies if r["model"] == drift.model]
        estimate = sum((r["estimate_usd"] for r in mine), Decimal(0))
        off = sum((r["drift_usd"] for r in mine), Decimal(0))
        assert (drift.replies, drift.estimate_usd, drift.drift_usd) == (len(mine), estimate, off)
        assert drift.percent == off * 100 / estimate
    assert sum(d.replies for d in raw.drift) == len(replies)
    timed = _timed(seeded, scope)
    newest = sorted(timed, key=lambda r: r["created_at"], reverse=True)[:SCATTER_POINTS]
    assert [(p.completion_tokens, p.total_ms) for p in raw.latency] == [
        (r["completion_tokens"], r["total_ms"]) for r in newest
    ]
    failures: Counter[tuple[int, str]] = Counter()
    for row in seeded.failures:
        owned = scope.local or row["owner_id"] == scope.owner_id
        if owned and _in(scope, row["created_at"], str(row["model"])):
            failures[(int(row["created_at"].timestamp()) // SLOT_S, str(row["kind"]))] += 1
    assert raw.failure_slots == sorted((s, k, n) for (s, k), n in failures.items())
    everyone = Scope(local=scope.local, owner_id=scope.owner_id)
    assert raw.models == sorted({str(r["model"]) for r in _replies(seeded, everyone)})


def test_a_users_scope_never_reads_another_users_rows(engine: Engine, seeded: Seeded) -> None:
    store = TelemetryStore(engine)
    one = store.read(Scope(local=False, owner_id=1), stopped=STOPPED_BY_USER)
    nobody = store.read(Scope(local=False, owner_id=99), stopped=STOPPED_BY_USER)
    assert one.scores
    assert one.spend_slots
    assert nobody.spend_slots == []
    assert nobody.scores == []
    assert nobody.failure_slots == []
    assert sum(nobody.ttft.counts) == 0
    assert nobody.by_conversation == []
