"""The text so far of replies in progress, readable by every worker.

A page that reconnects to another worker (its own died, or a proxy moved it), or a second
tab served by another worker, asks for a reply's exact text so far. The worker streaming it
knows it in memory; the others read this mirror. ``NoMirror`` is one process on its own.
"""

from __future__ import annotations

from typing import Protocol


class LiveTextMirror(Protocol):
    """Where the streaming worker copies each reply's text as it grows."""

    def append(self, message_id: int, text: str) -> None:
        """More text of ``message_id``, in order (buffered; sent in the background)."""
        ...

    def finish(self, message_id: int) -> None:
        """The reply is stored for good: the database answers for it from now on."""
        ...

    async def text(self, message_id: int) -> str | None:
        """The mirrored text so far, or None (not streaming anywhere, or not exactly known)."""
        ...

    async def start(self) -> None:
        """Begin sending buffered text in the background."""
        ...

    async def close(self) -> None:
        """Send what is buffered and stop."""
        ...


class NoMirror:
    """One process: the streaming worker is the only one that can be asked."""

    def append(self, message_id: int, text: str) -> None:
        """Nobody else reads it."""

    def finish(self, message_id: int) -> None:
        """Nothing kept."""

    async def text(self, message_id: int) -> str | None:
        """Never known here (the caller asked its own streams first)."""
        return None

    async def start(self) -> None:
        """Nothing to send."""

    async def close(self) -> None:
        """Nothing to send."""
