"""Every telemetry aggregation of one scope, read over one connection."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, select, text, update

from neural_terminal.domain.telemetry import (
    Drift,
    Histogram,
    LatencyPoint,
    Score,
    SpendShare,
    Spread,
)
from neural_terminal.store.telemetry import scoreboard_queries, speed_queries, spend_queries
from neural_terminal.store.telemetry.failure_store import failures_by_slot
from neural_terminal.store.telemetry.scope import MESSAGES, Scope


@dataclass(frozen=True)
class RawTelemetry:
    """What SQL answered for one scope: time still in 15-minute slots of Unix time."""

    spend_slots: list[tuple[int, Decimal]]
    by_model: list[SpendShare]
    by_conversation: list[SpendShare]
    ttft: Histogram
    speed: Histogram
    spreads: list[Spread]
    latency: list[LatencyPoint]
    drift: list[Drift]
    failure_slots: list[tuple[int, str, int]]
    scores: list[Score]
    models: list[str]


class TelemetryStore:
    """Reads telemetry aggregations; stores who served a reply."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def read(self, scope: Scope, *, stopped: str) -> RawTelemetry:
        """Every panel's figures for ``scope``; ``stopped`` is the error text of a reply the
        user stopped (not a failure)."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Sorting 100,000 replies in memory, not in temporary files (this read only).
                conn.execute(text("SET LOCAL work_mem = '32MB'"))
            speeds = speed_queries.histograms(conn, scope)
            spreads = speed_queries.spreads(conn, scope, speeds.counts)
            medians = {spread.model: spread for spread in spreads}
            totals = scoreboard_queries.model_totals(conn, scope, medians, stopped=stopped)
            return RawTelemetry(
                spend_slots=spend_queries.spend_by_slot(conn, scope),
                by_model=spend_queries.spend_by_model(totals.cost_by_model, conn, scope),
                by_conversation=spend_queries.spend_by_conversation(conn, scope),
                ttft=speeds.ttft,
                speed=speeds.speed,
                spreads=spreads,
                latency=speed_queries.latency_points(conn, scope),
                drift=totals.drift,
                failure_slots=failures_by_slot(conn, scope),
                scores=totals.scores,
                models=speed_queries.models(conn, scope.everything()),
            )

    def spend_slots(self, scope: Scope) -> list[tuple[int, Decimal]]:
        """Spend per 15-minute slot in ``scope`` (the budget's period, for its projection)."""
        with self._engine.connect() as conn:
            return spend_queries.spend_by_slot(conn, scope)

    def generation_of(self, message_id: int) -> str | None:
        """The upstream's generation id of a reply (None: none, or no such reply)."""
        with self._engine.connect() as conn:
            query = select(MESSAGES.c.generation_id).where(MESSAGES.c.id == message_id)
            found = conn.execute(query).scalar()
        return str(found) if found else None

    def set_provider(self, *, message_id: int, provider: str) -> None:
        """Remember who served a reply."""
        with self._engine.begin() as conn:
            conn.execute(
                update(MESSAGES).where(MESSAGES.c.id == message_id).values(provider=provider[:100])
            )
