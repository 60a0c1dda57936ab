"""How the library scales: one page of a shelf (100 lines with their costs) and the shelf
counts, and a full-text search (a rare word, a common one), over libraries of 100, 1,000 and
10,000 conversations (10 messages of 30 words each, so 100,000 messages at the top), in a
temporary SQLite file. CPU time is printed beside the wall time and the machine's load.
Run: ``.venv/bin/python -m bench.library``.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert

from neural_terminal.chat.access import ConversationAccess
from neural_terminal.chat.library import Library
from neural_terminal.domain.conversations import Shelf
from neural_terminal.domain.periods import zone
from neural_terminal.domain.viewer import LOCAL_OWNER
from neural_terminal.store.conversations.library_store import LibraryStore
from neural_terminal.store.conversations.repository import ChatRepository
from neural_terminal.store.conversations.search_store import SearchStore
from neural_terminal.store.engine import make_engine
from neural_terminal.store.migrations import upgrade_to_head
from neural_terminal.store.tables import Conversation, Message, utcnow
from neural_terminal.ui.library.library_state import _rows

SIZES = (100, 1_000, 10_000)
# 1,000 words, 30 to a message: each word is in about 3% of messages; two given words
# together in about one in a thousand.
VOCABULARY = [f"w{i:03d}" for i in range(1_000)]
COMMON, RARE = "w001", "w999 w998"
MESSAGES_EACH = 10
RUNS = 20


def seed(engine: Engine, size: int) -> None:
    """``size`` conversations, active over the last months, each with ten priced messages."""
    now = utcnow()
    words = random.Random(size)
    conversations = [
        {
            "id": i + 1,
            "title": f"conversation {i}",
            "model": "m",
            "context_strategy": "sliding",
            "message_count": MESSAGES_EACH,
            "created_at": now - timedelta(hours=i),
            "updated_at": now - timedelta(hours=i),
            "pinned_at": now if i % 500 == 0 else None,
        }
        for i in range(size)
    ]
    messages = [
        {
            "conversation_id": i + 1,
            "role": "user" if j % 2 == 0 else "assistant",
            "content": " ".join(words.choice(VOCABULARY) for _ in range(30)),
            "status": "complete",
            "cost_usd": None if j % 2 == 0 else Decimal(j + 1).scaleb(-6),
            "cost_is_estimate": False,
            "depth": j,
            "created_at": now,
        }
        for i in range(size)
        for j in range(MESSAGES_EACH)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Conversation.__table__), conversations)  # type: ignore[attr-defined]
        for start in range(0, len(messages), 5_000):
            connection.execute(insert(Message.__table__), messages[start : start + 5_000])  # type: ignore[attr-defined]


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``action`` over RUNS runs."""
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def measure(size: int, workdir: Path) -> list[float | int]:
    """Page wall/CPU ms, page bytes, then search wall ms (common, rare) for one size."""
    url = f"sqlite:///{workdir / f'library-{size}.db'}"
    upgrade_to_head(url)
    engine = make_engine(url)
    seed(engine, size)
    repository = ChatRepository(engine)
    library = Library(
        store=LibraryStore(engine),
        repository=repository,
        access=ConversationAccess(repository),
        search=SearchStore(engine),
        trash_days=30,
        time_zone=lambda: zone("UTC"),
    )
    page = library.shelf(LOCAL_OWNER, Shelf.LIST)  # warm the pool
    wall, cpu = timed(lambda: (library.shelf(LOCAL_OWNER, Shelf.LIST), library.counts(LOCAL_OWNER)))
    sent = len(json.dumps([asdict(row) for row in _rows(page)]).encode())
    common, _ = timed(lambda: library.find(LOCAL_OWNER, COMMON))
    rare, _ = timed(lambda: library.find(LOCAL_OWNER, RARE))
    engine.dispose()
    return [wall, cpu, sent, common, rare]


def main() -> None:
    """Print one line per library size."""
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; median of {RUNS}")
    print(
        f"{'conversations':>13} {'messages':>9} {'page ms':>8} {'CPU ms':>7} {'page bytes':>10}"
        f" {'search common ms':>16} {'search two rare ms':>18}"
    )
    with tempfile.TemporaryDirectory() as workdir:
        for size in SIZES:
            wall, cpu, sent, common, rare = measure(size, Path(workdir))
            print(
                f"{size:>13,} {size * MESSAGES_EACH:>9,} {wall:>8.2f} {cpu:>7.2f} {sent:>10,}"
                f" {common:>16.2f} {rare:>18.2f}"
            )


if __name__ == "__main__":
    main()
