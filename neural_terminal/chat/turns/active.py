"""Which conversations have a reply streaming, and how to stop one.

Each process holds its own turns (the tasks streaming them); with several workers, the
worker leases (neural_terminal/workers) make one reply per conversation hold across them,
and carry Stop to the worker that streams the reply.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from neural_terminal.domain.errors import InvalidInput
from neural_terminal.workers.leases import LocalLeases, WorkerLeases

BUSY = "A reply is still streaming in this conversation. Wait for it or press Stop."
DRAINING = (
    "This server is restarting and takes no new replies; your message is kept. "
    "Send it again in a moment: the page reconnects to another server."
)
# Why a reply was cut when its worker stopped (a rolling restart past its grace period).
SHUTTING_DOWN = (
    "The server restarted during this reply; the text so far is kept: press Continue to "
    "complete it."
)
STOPPED = "stopped by the user"


@dataclass
class _Claim:
    """A conversation taken by a turn: claimed when the turn starts, bound to the task that
    streams it once its events are read (Stop before then stops it as it begins)."""

    task: asyncio.Task[object] | None = None
    stopped: bool = False
    reason: str = STOPPED

    @property
    def live(self) -> bool:
        return self.task is None or not self.task.done()


class ActiveTurns:
    """One streaming reply per conversation (across workers when they share leases); Stop
    cancels its task, wherever it runs."""

    def __init__(self, leases: WorkerLeases | None = None) -> None:
        self._claims: dict[int, _Claim] = {}
        self.leases: WorkerLeases = leases or LocalLeases("local")
        self._draining = False

    async def claim_shared(self, conversation_id: int) -> None:
        """Take the conversation here and among the workers, or refuse (InvalidInput)."""
        self.claim(conversation_id)
        try:
            taken = await self.leases.claim_turn(conversation_id)
        except BaseException:
            self._claims.pop(conversation_id, None)
            raise
        if not taken:
            self._claims.pop(conversation_id, None)
            raise InvalidInput(BUSY)

    def claim(self, conversation_id: int) -> None:
        """Take the conversation for a new turn, or refuse a second reply (InvalidInput)."""
        if self._draining:
            raise InvalidInput(DRAINING)
        claim = self._claims.get(conversation_id)
        if claim is not None and claim.live:
            raise InvalidInput(BUSY)
        self._claims[conversation_id] = _Claim()

    def bind(self, conversation_id: int) -> None:
        """The current task streams the claimed turn; cancelled at once if Stop came first."""
        current = asyncio.current_task()
        if current is None:
            raise RuntimeError("ActiveTurns.bind must run inside a task")
        claim = self._claims.setdefault(conversation_id, _Claim())
        claim.task = current
        if claim.stopped:
            current.cancel(claim.reason)

    def end(self, conversation_id: int) -> None:
        """Release the conversation (unless another task holds it by now)."""
        claim = self._claims.get(conversation_id)
        if claim is not None and claim.task in (None, asyncio.current_task()):
            del self._claims[conversation_id]
            self.leases.release_turn(conversation_id)

    def is_active(self, conversation_id: int) -> bool:
        """True while a reply streams (or is about to) in this conversation."""
        claim = self._claims.get(conversation_id)
        return claim is not None and claim.live

    def count(self) -> int:
        """How many replies stream in this process right now."""
        return sum(1 for claim in self._claims.values() if claim.live)

    def stop(self, conversation_id: int) -> bool:
        """Cancel the streaming reply here, or ask the worker streaming it (False: none here,
        and no other worker to ask)."""
        if self.stop_here(conversation_id):
            return True
        if self.leases.shared:
            self.leases.request_stop(conversation_id)
            return True
        return False

    def stop_here(self, conversation_id: int, reason: str = STOPPED) -> bool:
        """Cancel the reply if this process streams it; the upstream request closes as the
        task unwinds, and the partial reply is stored with ``reason``."""
        claim = self._claims.get(conversation_id)
        if claim is None or not claim.live:
            return False
        claim.stopped = True
        claim.reason = reason
        if claim.task is not None:
            claim.task.cancel(reason)
        return True

    async def drain(self, grace_s: float) -> int:
        """Take no new turns; let the replies in flight finish for ``grace_s``, then stop the
        rest (their text so far is stored, Continue completes them). Returns how many."""
        self._draining = True
        tasks = [claim.task for claim in self._claims.values() if claim.live and claim.task]
        if tasks:
            await asyncio.wait(tasks, timeout=grace_s)
        cut = [cid for cid, claim in self._claims.items() if claim.live]
        for conversation_id in cut:
            self.stop_here(conversation_id, SHUTTING_DOWN)
        left = [claim.task for claim in self._claims.values() if claim.task and claim.live]
        if left:
            await asyncio.wait(left, timeout=5)
        return len(cut)
