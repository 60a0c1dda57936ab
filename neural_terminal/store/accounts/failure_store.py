"""Failed-login counts per account name and per address, shared by every backend worker.

Recording a failure reads and rewrites its rows under a lock (``BEGIN IMMEDIATE`` on SQLite,
``SELECT ... FOR UPDATE`` on PostgreSQL), so two workers failing at once both count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from neural_terminal.store.tables import LoginFailure

FAILURES: Table = LoginFailure.__table__  # type: ignore[attr-defined]

# (kind, value): ("user", "alice") or ("address", "203.0.113.7").
FailureKey = tuple[str, str]


class FailureStore:
    """Reads and writes ``login_failures``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    def locked_until(self, *, keys: Sequence[FailureKey]) -> datetime | None:
        """The latest time any of ``keys`` is locked until; None when none has failed."""
        query = select(func.max(FAILURES.c.locked_until)).where(_any_of(keys))
        with self._engine.connect() as conn:
            latest: datetime | None = conn.execute(query).scalar()
        return latest

    def failures(self, *, key: FailureKey) -> int:
        """How many failures ``key`` has on record."""
        query = select(FAILURES.c.failures).where(_is(key))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar() or 0)

    def record(
        self,
        *,
        keys: Sequence[FailureKey],
        at: datetime,
        forget_before: datetime,
        delay: Callable[[int], timedelta],
    ) -> None:
        """Count one failure ``at`` for each key and lock it for ``delay(its count)``.

        A key whose last failure was at or before ``forget_before`` counts from zero again.
        """
        with self._engine.connect() as conn:
            if self._sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                for key in keys:
                    self._record(conn, key, at=at, forget_before=forget_before, delay=delay)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise

    def clear(self, *, keys: Sequence[FailureKey]) -> None:
        """Forget the failures of ``keys`` (a successful login)."""
        with self._engine.begin() as conn:
            # One key at a time, in the order ``record`` locks them, so the two cannot deadlock.
            for key in keys:
                conn.execute(delete(FAILURES).where(_is(key)))

    def prune(self, *, forget_before: datetime) -> int:
        """Drop entries whose last failure was at or before ``forget_before``; how many."""
        with self._engine.begin() as conn:
            result = conn.execute(
                delete(FAILURES).where(FAILURES.c.last_failure_at <= forget_before)
            )
        return int(result.rowcount or 0)

    def _record(
        self,
        conn: Connection,
        key: FailureKey,
        *,
        at: datetime,
        forget_before: datetime,
        delay: Callable[[int], timedelta],
    ) -> None:
        kind, value = key
        dialect = sqlite if self._sqlite else postgresql
        # Make sure the row exists, then lock it: another worker may be inserting it too.
        conn.execute(
            dialect.insert(FAILURES)
            .values(kind=kind, value=value, failures=0, last_failure_at=at, locked_until=at)
            .on_conflict_do_nothing()
        )
        row = conn.execute(
            select(FAILURES.c.failures, FAILURES.c.last_failure_at)
            .where(_is(key))
            .with_for_update()
        ).one()
        failures = 1 if row.last_failure_at <= forget_before else row.failures + 1
        conn.execute(
            update(FAILURES)
            .where(_is(key))
            .values(failures=failures, last_failure_at=at, locked_until=at + delay(failures))
        )


def _is(key: FailureKey) -> ColumnElement[bool]:
    kind, value = key
    return and_(FAILURES.c.kind == kind, FAILURES.c.value == value)


def _any_of(keys: Sequence[FailureKey]) -> ColumnElement[bool]:
    return or_(*(_is(key) for key in keys))
