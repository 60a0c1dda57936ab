"""Tabs in step: wake every tab that shows a conversation when the conversation changes.

One loop per worker reads the signatures of all watched conversations in one query per tick
(store/conversations/changes.py) and wakes the waiters of those that changed. A tab waits
with the signature it last showed; a send from another tab, or from another worker, changes
the message count and the leaf, and the tab reads its transcript again (and follows the new
reply: ui/chat/live/following.py). A cost stored or reconciled anywhere, and a limit saved,
change the signature's budget part: the tab reads its budget figures (and billed costs) again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection

from neural_terminal.repeated_failures import RepeatedFailures
from neural_terminal.store.conversations.changes import Signature

__all__ = ["ConversationWatch", "Signature"]

logger = logging.getLogger(__name__)

ReadSignatures = Callable[[Collection[int]], dict[int, Signature]]


class ConversationWatch:
    """Waits for conversations to change, polling the database for all of them at once."""

    def __init__(self, read: ReadSignatures, *, every_s: float = 0.5) -> None:
        self._read = read
        self._every_s = every_s
        self._latest: dict[int, Signature | None] = {}
        self._waiters: dict[int, int] = {}
        self._changed: dict[int, asyncio.Event] = {}
        self._loop: asyncio.Task[None] | None = None

    async def current(self, conversation_id: int) -> Signature | None:
        """The conversation's signature now (None: it does not exist)."""
        return await asyncio.to_thread(self.now, conversation_id)

    def now(self, conversation_id: int) -> Signature | None:
        """The same, read here (one indexed statement)."""
        return self._read([conversation_id]).get(conversation_id)

    async def changed(
        self, conversation_id: int, seen: Signature | None, *, timeout_s: float
    ) -> Signature | None:
        """Wait until the conversation's signature differs from ``seen`` (returned), or
        ``timeout_s`` passes (``seen`` returned)."""
        self._waiters[conversation_id] = self._waiters.get(conversation_id, 0) + 1
        self._ensure_loop()
        try:
            deadline = asyncio.get_running_loop().time() + timeout_s
            while True:
                latest = self._latest.get(conversation_id, seen)
                if latest != seen:
                    return latest
                event = self._changed.setdefault(conversation_id, asyncio.Event())
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return seen
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), left)
        finally:
            self._waiters[conversation_id] -= 1
            if not self._waiters[conversation_id]:
                del self._waiters[conversation_id]
                self._latest.pop(conversation_id, None)

    async def poll(self) -> None:
        """One tick: read every watched conversation, wake the waiters of changed ones."""
        watched = list(self._waiters)
        if not watched:
            return
        found = await asyncio.to_thread(self._read, watched)
        for conversation_id in watched:
            signature = found.get(conversation_id)
            if conversation_id in self._latest and self._latest[conversation_id] == signature:
                continue
            self._latest[conversation_id] = signature
            event = self._changed.pop(conversation_id, None)
            if event is not None:
                event.set()

    def _ensure_loop(self) -> None:
        if self._loop is None or self._loop.done():
            self._loop = asyncio.get_running_loop().create_task(self._run(), name="watch")

    async def _run(self) -> None:
        failures = RepeatedFailures(logger, "conversation watch poll")
        while self._waiters:
            try:
                await self.poll()
            except Exception:  # the database restarting: the next tick tries again
                failures.failed()
            else:
                failures.worked()
            await asyncio.sleep(self._every_s)
