"""How fast the telemetry page's figures are: every panel over 100,000 messages (questions and
replies, with their text; 1,000 conversations of two users and of no one, 6 models, 90 days,
with failures), then over 100,000 replies alone, for 30 days and
for all time, every model or one, in local mode and for one user of hosted mode; in a
temporary SQLite file, and on PostgreSQL when NEURAL_TERMINAL_TEST_POSTGRES_URL is set.
Wall and CPU time are printed with the machine's load. Target: at most 1 s for the view.
Run: ``.venv/bin/python -m bench.telemetry`` (``make bench-telemetry``).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert, make_url, text

from neural_terminal.chat.bus import EventBus
from neural_terminal.chat.spend.budget import BudgetGuard
from neural_terminal.chat.telemetry.ranges import RangeChoice, RangeName
from neural_terminal.chat.telemetry.view import Telemetry
from neural_terminal.domain.periods import Period
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head
from neural_terminal.store.spend.budget_store import BudgetConfig, BudgetStore
from neural_terminal.store.tables import Conversation, Message, TurnFailure
from neural_terminal.store.telemetry.telemetry_store import TelemetryStore

# 100,000 messages as people make them: a question and its reply; then 100,000 replies alone.
SIZES = ((100_000, True), (100_000, False))
CONVERSATIONS = 1_000
MODELS = [f"vendor/model-{n}" for n in range(6)]
DAYS = 90
RUNS = 5
# Replies carry their text (about 1,650 characters on average): a table scan would read it all.
TEXT = ("lorem ipsum dolor sit amet, " * 120)[:3_000]
NOW = datetime.now(UTC)
CASES: list[tuple[str, Viewer, RangeChoice]] = [
    ("local, 30 days", Viewer(), RangeChoice(RangeName.MONTH)),
    ("local, all time", Viewer(), RangeChoice(RangeName.ALL)),
    ("local, all, one model", Viewer(), RangeChoice(RangeName.ALL, model=MODELS[2])),
    ("user 1, all time", Viewer(1), RangeChoice(RangeName.ALL)),
]


def seed(engine: Engine, messages: int, with_questions: bool) -> int:
    """The history: replies with tokens, costs, estimates, timings and providers (and the
    questions they answer); how many replies."""
    rng = random.Random(14)
    conversations = [
        {
            "id": i + 1,
            "title": f"conversation {i}",
            "model": MODELS[i % 6],
            "owner_id": (None, 1, 2)[i % 3],
            "created_at": NOW - timedelta(days=DAYS),
            "updated_at": NOW,
        }
        for i in range(CONVERSATIONS)
    ]
    count = messages // 2 if with_questions else messages
    rows = []
    for n in range(count):
        tokens = rng.randint(1, 1_500)
        first = rng.randint(80, 4_000)
        estimate = Decimal(rng.randint(1, 10**8)).scaleb(-12)
        at = NOW - timedelta(minutes=rng.randint(0, DAYS * 24 * 60))
        conversation = rng.randint(1, CONVERSATIONS)
        reply: dict[str, object] = {
            "conversation_id": conversation,
            "role": "assistant",
            "content": TEXT[: rng.randint(300, 3_000)],
            "status": "complete" if n % 25 else "interrupted",
            "model": MODELS[n % 6],
            "prompt_tokens": rng.randint(10, 4_000),
            "completion_tokens": tokens,
            "cost_usd": estimate + Decimal(rng.randint(-1000, 1000)).scaleb(-12),
            "cost_is_estimate": False,
            "estimate_usd": estimate,
            "drift_usd": Decimal(rng.randint(-1000, 1000)).scaleb(-12),
            "first_token_ms": first,
            "total_ms": first + tokens * rng.randint(5, 40),
            "provider": f"provider-{n % 6}",
            "depth": 1,
            "created_at": at,
        }
        if with_questions:  # the same keys: an executemany takes its columns from the first
            question = dict.fromkeys(reply) | {
                "conversation_id": conversation,
                "role": "user",
                "content": TEXT[: rng.randint(20, 800)],
                "status": "complete",
                "cost_is_estimate": False,
                "depth": 0,
                "created_at": at,
            }
            rows.append(question)
        rows.append(reply)
    failures = [
        {
            "owner_id": (None, 1, 2)[n % 3],
            "model": MODELS[n % 6],
            "kind": ("rate_limit", "drop", "timeout", "budget")[n % 4],
            "retried": False,
            "created_at": NOW - timedelta(minutes=rng.randint(0, DAYS * 24 * 60)),
        }
        for n in range(2_000)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Conversation.__table__), conversations)  # type: ignore[attr-defined]
        for start in range(0, len(rows), 5_000):
            conn.execute(insert(Message.__table__), rows[start : start + 5_000])  # type: ignore[attr-defined]
        conn.execute(insert(TurnFailure.__table__), failures)  # type: ignore[attr-defined]
    return count


def timed(action: Callable[[], object]) -> tuple[float, float, float]:
    """Median and worst wall milliseconds, and median CPU milliseconds, over RUNS runs."""
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls) * 1000, max(walls) * 1000, statistics.median(cpus) * 1000


def measure(name: str, url: str, messages: int, with_questions: bool) -> None:
    """Seed one database and time every case."""
    upgrade_to_head(url)
    engine = make_engine(url)
    started = time.perf_counter()
    replies = seed(engine, messages, with_questions)
    if engine.dialect.name == "postgresql":  # as autovacuum leaves a table in use
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(
        f"{name}: {messages:,} messages ({replies:,} replies), seeded in"
        f" {time.perf_counter() - started:.1f} s"
    )
    budget = BudgetGuard(
        BudgetStore(engine, defaults=BudgetConfig(Decimal(50), Period.MONTHLY, "Europe/Berlin")),
        EventBus(),
    )
    budget.store.ensure()
    telemetry = Telemetry(store=TelemetryStore(engine), budget=budget)
    for case, viewer, choice in CASES:
        view = telemetry.view_now(viewer, choice)  # warm the pool and the page cache
        median, worst, cpu = timed(partial(telemetry.view_now, viewer, choice))
        replies = sum(score.replies for score in view.scores)
        print(
            f"  {case:<24} {replies:>7,} replies  median {median:7.1f} ms  worst {worst:7.1f} ms"
            f"  CPU {cpu:7.1f} ms"
        )
    pause, idle = asyncio.run(longest_pause(telemetry, *CASES[1][1:]))
    print(
        f"  the event loop's longest pause while all time is computed off it: {pause:.1f} ms"
        f" (for as long with nothing to compute: {idle:.1f} ms)"
    )
    engine.dispose()


async def longest_pause(
    telemetry: Telemetry, viewer: Viewer, choice: RangeChoice
) -> tuple[float, float]:
    """How long the event loop (where replies stream) stalls while the view is computed in
    its worker thread: a 1 ms ticker's longest gap in milliseconds; then the same ticker's
    for as long with nothing else to do (what the machine's other load alone costs)."""

    async def ticker(done: asyncio.Event) -> float:
        longest, last = 0.0, time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
        return longest * 1000

    busy = asyncio.Event()
    watching = asyncio.create_task(ticker(busy))
    started = time.perf_counter()
    for _ in range(RUNS):
        await telemetry.view(viewer, choice)
    busy.set()
    pause = await watching
    idle = asyncio.Event()
    watching = asyncio.create_task(ticker(idle))
    await asyncio.sleep(time.perf_counter() - started)
    idle.set()
    return pause, await watching


def main() -> None:
    """Print the machine's load, then one line per case and database."""
    load = os.getloadavg()
    print(
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores;"
        f" median of {RUNS} runs; target: the whole view in at most 1,000 ms"
    )
    for messages, with_questions in SIZES:
        with tempfile.TemporaryDirectory() as workdir:
            url = f"sqlite:///{Path(workdir) / 'telemetry.db'}"
            measure("SQLite", url, messages, with_questions)
        postgres(messages, with_questions)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")


def postgres(messages: int, with_questions: bool) -> None:
    """The same on a database of its own on the test server, when one is configured."""
    server = os.environ.get("NEURAL_TERMINAL_TEST_POSTGRES_URL", "")
    if server:
        admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
        name = f"nt_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            measure("PostgreSQL", url, messages, with_questions)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
