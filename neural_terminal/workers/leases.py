"""Worker leases: which workers are alive, and which conversations each is streaming in.

``LocalLeases`` is one process on its own: it is the only worker alive, and every turn is its
own (chat/turns/active.py holds them). ``RedisLeases`` (redis_leases.py) shares them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

StopHandler = Callable[[int], object]


class WorkerLeases(Protocol):
    """The lease side of sharing: liveness, turn claims and Stop between workers."""

    worker_id: str

    @property
    def shared(self) -> bool:
        """True when other workers may exist (Redis); False for one process on its own."""
        ...

    async def start(self, on_stop: StopHandler) -> None:
        """Take this worker's lease, keep it alive, and hand Stop requests to ``on_stop``."""
        ...

    async def close(self) -> None:
        """Give the lease up (a clean stop: other workers need not wait for it to expire)."""
        ...

    async def alive(self, workers: Collection[str]) -> set[str] | None:
        """Which of ``workers`` hold a lease now; None when that cannot be known right now."""
        ...

    async def claim_turn(self, conversation_id: int) -> bool:
        """Take the conversation for a reply; False when another worker streams in it."""
        ...

    def release_turn(self, conversation_id: int) -> None:
        """Give the conversation back (in the background; idempotent)."""
        ...

    def request_stop(self, conversation_id: int) -> None:
        """Ask whichever worker streams in the conversation to stop (in the background)."""
        ...


class LocalLeases:
    """One process on its own: nothing to share."""

    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id

    @property
    def shared(self) -> bool:
        """Never: there are no other workers."""
        return False

    async def start(self, on_stop: StopHandler) -> None:
        """Nothing to take: Stop never comes from elsewhere."""

    async def close(self) -> None:
        """Nothing to give up."""

    async def alive(self, workers: Collection[str]) -> set[str] | None:
        """Only this process is alive."""
        return {worker for worker in workers if worker == self.worker_id}

    async def claim_turn(self, conversation_id: int) -> bool:
        """Always: this process's own registry refuses a second reply."""
        return True

    def release_turn(self, conversation_id: int) -> None:
        """Nothing held."""

    def request_stop(self, conversation_id: int) -> None:
        """No other worker to ask."""
