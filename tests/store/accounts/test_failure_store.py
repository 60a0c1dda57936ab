"""Failures recorded by many workers at once all count (the row is locked while rewritten)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from neural_terminal.accounts.throttle import delay_after
from neural_terminal.store.accounts.failure_store import FailureStore
from neural_terminal.store.engine import make_engine

AT = datetime(2026, 1, 1, tzinfo=UTC)
KEYS = [("user", "alice"), ("address", "198.51.100.1")]


def _record(engine: Engine) -> None:
    FailureStore(engine).record(
        keys=KEYS, at=AT, forget_before=AT - timedelta(days=1), delay=delay_after
    )


def test_concurrent_failures_of_one_key_are_all_counted(database_url: str) -> None:
    # Two engines, as two backend workers would have, each with several threads.
    engines = [make_engine(database_url) for _ in range(2)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(_record, [engines[n % 2] for n in range(40)]))
    store = FailureStore(engines[0])
    assert [store.failures(key=key) for key in KEYS] == [40, 40]
    assert store.locked_until(keys=KEYS) == AT + delay_after(40)
    store.clear(keys=KEYS[:1])
    assert [store.failures(key=key) for key in KEYS] == [0, 40]
    for engine in engines:
        engine.dispose()


def test_nothing_recorded_means_no_lock(database_url: str) -> None:
    engine = make_engine(database_url)
    assert FailureStore(engine).locked_until(keys=KEYS) is None
    engine.dispose()
