"""Which worker owns each streaming reply and each budget reservation, and giving up those of
workers that are gone (their replies interrupted, their reservations released).

A reply that is ``streaming`` in the database is being written by one backend process; when
that process dies the row stays ``streaming`` and its reservation keeps money set aside. The
worker's id is on both rows (migration 0013), so whoever finds the worker's lease expired
(neural_terminal/workers) can mark exactly its replies interrupted and free exactly its
reservations, and never another live worker's. Rows without an owner predate the column: no
live worker can hold them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Engine, delete, or_, select, update

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.store.tables import BudgetReservation, Message

# The owner written by a process that shares nothing (one worker, or a test's repository).
LOCAL_WORKER = "local"

MESSAGES = Message.__table__  # type: ignore[attr-defined]
RESERVATIONS = BudgetReservation.__table__  # type: ignore[attr-defined]
STREAMING = MessageStatus.STREAMING.value


@dataclass(frozen=True)
class GivenUp:
    """What a sweep took from workers that are gone."""

    replies: int = 0
    reservations: int = 0

    def __bool__(self) -> bool:
        return bool(self.replies or self.reservations)


class StreamOwners:
    """Reads who owns the live rows; gives up the rows of workers found dead."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def owners(self) -> set[str | None]:
        """Every worker named by a streaming reply or a reservation (None: no owner recorded)."""
        replies = select(MESSAGES.c.stream_worker).where(MESSAGES.c.status == STREAMING)
        reservations = select(RESERVATIONS.c.worker)
        with self._engine.connect() as conn:
            found = set(conn.execute(replies.distinct()).scalars())
            found.update(conn.execute(reservations.distinct()).scalars())
        return found

    def give_up(self, workers: Collection[str | None], *, reason: str) -> GivenUp:
        """Mark the streaming replies of ``workers`` interrupted (with ``reason``) and drop
        their reservations, in one transaction."""
        named = [worker for worker in workers if worker is not None]
        if not workers:
            return GivenUp()
        reply_owner = MESSAGES.c.stream_worker.in_(named)
        reservation_owner = RESERVATIONS.c.worker.in_(named)
        if None in workers:
            reply_owner = or_(reply_owner, MESSAGES.c.stream_worker.is_(None))
            reservation_owner = or_(reservation_owner, RESERVATIONS.c.worker.is_(None))
        with self._engine.begin() as conn:
            replies = conn.execute(
                update(MESSAGES)
                .where(MESSAGES.c.status == STREAMING, reply_owner)
                .values(status=MessageStatus.INTERRUPTED.value, error=reason)
            )
            reservations = conn.execute(delete(RESERVATIONS).where(reservation_owner))
        return GivenUp(int(replies.rowcount or 0), int(reservations.rowcount or 0))
