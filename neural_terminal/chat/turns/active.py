"""Which conversations have a reply streaming, and how to stop one."""

from __future__ import annotations

import asyncio

from neural_terminal.domain.errors import InvalidInput


class ActiveTurns:
    """One streaming reply per conversation per process; Stop cancels its task."""

    def __init__(self) -> None:
        self._tasks: dict[int, asyncio.Task[object]] = {}

    def begin(self, conversation_id: int) -> None:
        """Claim the conversation for the current task, or refuse a second reply."""
        task = self._tasks.get(conversation_id)
        if task is not None and not task.done():
            raise InvalidInput(
                "A reply is still streaming in this conversation. Wait for it or press Stop."
            )
        current = asyncio.current_task()
        if current is None:
            raise RuntimeError("ActiveTurns.begin must run inside a task")
        self._tasks[conversation_id] = current

    def end(self, conversation_id: int) -> None:
        """Release the conversation (only if the current task holds it)."""
        if self._tasks.get(conversation_id) is asyncio.current_task():
            del self._tasks[conversation_id]

    def is_active(self, conversation_id: int) -> bool:
        """True while a reply streams in this conversation."""
        task = self._tasks.get(conversation_id)
        return task is not None and not task.done()

    def count(self) -> int:
        """How many replies stream in this process right now."""
        return sum(1 for task in self._tasks.values() if not task.done())

    def stop(self, conversation_id: int) -> bool:
        """Cancel the streaming reply; the upstream request closes as the task unwinds."""
        task = self._tasks.get(conversation_id)
        if task is None or task.done():
            return False
        task.cancel("stopped by the user")
        return True
