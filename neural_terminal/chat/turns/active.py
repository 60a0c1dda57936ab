"""Which conversations have a reply streaming, and how to stop one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from neural_terminal.domain.errors import InvalidInput

BUSY = "A reply is still streaming in this conversation. Wait for it or press Stop."


@dataclass
class _Claim:
    """A conversation taken by a turn: claimed when the turn starts, bound to the task that
    streams it once its events are read (Stop before then stops it as it begins)."""

    task: asyncio.Task[object] | None = None
    stopped: bool = False

    @property
    def live(self) -> bool:
        return self.task is None or not self.task.done()


class ActiveTurns:
    """One streaming reply per conversation per process; Stop cancels its task."""

    def __init__(self) -> None:
        self._claims: dict[int, _Claim] = {}

    def claim(self, conversation_id: int) -> None:
        """Take the conversation for a new turn, or refuse a second reply (InvalidInput)."""
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
            current.cancel("stopped by the user")

    def end(self, conversation_id: int) -> None:
        """Release the conversation (unless another task holds it by now)."""
        claim = self._claims.get(conversation_id)
        if claim is not None and claim.task in (None, asyncio.current_task()):
            del self._claims[conversation_id]

    def is_active(self, conversation_id: int) -> bool:
        """True while a reply streams (or is about to) in this conversation."""
        claim = self._claims.get(conversation_id)
        return claim is not None and claim.live

    def count(self) -> int:
        """How many replies stream in this process right now."""
        return sum(1 for claim in self._claims.values() if claim.live)

    def stop(self, conversation_id: int) -> bool:
        """Cancel the streaming reply; the upstream request closes as the task unwinds."""
        claim = self._claims.get(conversation_id)
        if claim is None or not claim.live:
            return False
        claim.stopped = True
        if claim.task is not None:
            claim.task.cancel("stopped by the user")
        return True
