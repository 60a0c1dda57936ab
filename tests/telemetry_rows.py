"""A seeded history of known replies, written straight into a real database, and the figures
the telemetry queries must give for it, computed here in Python from the same rows."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from neural_terminal.chat.turns.streaming import STOPPED_BY_USER
from neural_terminal.store.tables import Conversation, Message, Summary, TurnFailure

MESSAGES = Message.__table__  # type: ignore[attr-defined]
CONVERSATIONS = Conversation.__table__  # type: ignore[attr-defined]
SUMMARIES = Summary.__table__  # type: ignore[attr-defined]
FAILURES = TurnFailure.__table__  # type: ignore[attr-defined]
MODELS = ("alpha/fast", "beta/cheap", "gamma/slow")
PROVIDERS = {"alpha/fast": "Alpha", "beta/cheap": "Beta", "gamma/slow": None}
START = datetime(2026, 3, 20, tzinfo=UTC)  # Berlin moves to summer time on 29 March 2026


@dataclass
class Seeded:
    """What was written: every reply's row values, summaries and failures."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    titles: dict[int, str] = field(default_factory=dict)
    owners: dict[int, int | None] = field(default_factory=dict)

    def costs(self, owner: int | None, *, local: bool) -> list[tuple[datetime, str, int, Decimal]]:
        """(created, model, conversation, cost) of everything counted as spend."""
        rows = []
        for row in [*self.replies, *self.summaries]:
            mine = local or self.owners[int(str(row["conversation_id"]))] == owner
            counted = row.get("status") != "streaming" and row.get("imported_at") is None
            if mine and counted and row["cost_usd"] is not None:
                cost = row["cost_usd"]
                assert isinstance(cost, Decimal)
                rows.append((_at(row), str(row["model"]), int(str(row["conversation_id"])), cost))
        return rows

    def timed(self, owner: int | None, *, local: bool) -> list[dict[str, Any]]:
        """Complete replies of this app with timings (what speed is read from)."""
        return [
            row
            for row in self.replies
            if (local or self.owners[int(str(row["conversation_id"]))] == owner)
            and row["status"] == "complete"
            and row["imported_at"] is None
            and row["forked_from_id"] is None
            and row["first_token_ms"] is not None
            and (row["total_ms"] or 0) > 0
        ]


def _at(row: dict[str, Any]) -> datetime:
    value = row["created_at"]
    assert isinstance(value, datetime)
    return value


def seed(engine: Engine, *, replies: int = 240, seed_value: int = 7) -> Seeded:
    """Conversations of two users and of no one, replies over 12 days around a DST change,
    with every kind of row the queries must leave out."""
    rng = random.Random(seed_value)
    seeded = Seeded()
    owners: list[int | None] = [None, 1, 2]
    with engine.begin() as conn:
        for n in range(14):
            owner = owners[n % 3]
            inserted = conn.execute(
                insert(CONVERSATIONS).values(
                    title=f"chat {n}",
                    model="m",
                    owner_id=owner,
                    created_at=START,
                    updated_at=START,
                ),
            ).inserted_primary_key
            assert inserted is not None
            cid = inserted[0]
            seeded.titles[int(cid)] = f"chat {n}"
            seeded.owners[int(cid)] = owner
        conversation_ids = sorted(seeded.titles)
        for n in range(replies):
            model = rng.choice(MODELS)
            status = rng.choices(
                ["complete", "interrupted", "error", "streaming"], weights=[80, 8, 6, 2]
            )[0]
            total = rng.choice([0, rng.randint(50, 20_000)])
            first = rng.randint(20, 6_000) if status != "error" else None
            tokens = rng.randint(0, 900)
            estimate = Decimal(rng.randint(1, 10**9)) / Decimal(10**12)
            row: dict[str, Any] = {
                "conversation_id": rng.choice(conversation_ids),
                "role": "assistant",
                "content": "x",
                "status": status,
                "error": STOPPED_BY_USER if status == "interrupted" and n % 2 else None,
                "model": model,
                "prompt_tokens": rng.randint(1, 500),
                "completion_tokens": tokens,
                # A fork's copy carries no cost (the original counts it once).
                "cost_usd": Decimal(rng.randint(0, 5 * 10**9)) / Decimal(10**12)
                if n % 41
                else None,
                "estimate_usd": estimate if n % 3 else None,
                "drift_usd": Decimal(rng.randint(-(10**6), 10**6)) / Decimal(10**12)
                if n % 3
                else None,
                "first_token_ms": first,
                "total_ms": max(total, first or 0) if total else total,
                "provider": PROVIDERS[model],
                "imported_at": START if n % 37 == 0 else None,
                "forked_from_id": 1 if n % 41 == 0 else None,
                "created_at": START + timedelta(minutes=rng.randint(0, 12 * 24 * 60)),
            }
            seeded.replies.append(row)
        conn.execute(insert(MESSAGES), seeded.replies)  # one statement: rows share their keys
        for n in range(9):
            row = {
                "conversation_id": conversation_ids[n],
                "first_message_id": 1,
                "last_message_id": 1,
                "message_count": 1,
                "content": "s",
                "model": MODELS[n % 3],
                "cost_usd": Decimal(rng.randint(1, 10**9)) / Decimal(10**12),
                "imported_at": START if n == 4 else None,
                "created_at": START + timedelta(hours=rng.randint(0, 12 * 24)),
            }
            seeded.summaries.append(row)
        conn.execute(insert(SUMMARIES), seeded.summaries)
        for n in range(30):
            row = {
                "owner_id": owners[n % 3],
                "conversation_id": None,
                "model": MODELS[n % 3],
                "kind": ["rate_limit", "drop", "timeout", "budget"][n % 4],
                "retried": n % 5 == 0,
                "created_at": START + timedelta(hours=rng.randint(0, 12 * 24)),
            }
            seeded.failures.append(row)
        conn.execute(insert(FAILURES), seeded.failures)
    return seeded


def by_model(rows: list[tuple[datetime, str, int, Decimal]]) -> dict[str, Decimal]:
    """Spend per model."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for _, model, _, cost in rows:
        sums[model] += cost
    return dict(sums)
