"""Who served each reply: once a reply completes, its generation record is asked for the
``provider_name`` (OpenRouter may take a moment to have it), and the name is stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from neural_terminal.domain.conversations import MessageStatus
from neural_terminal.domain.errors import NeuralTerminalError
from neural_terminal.domain.events import MessageCompleted
from neural_terminal.store.telemetry.telemetry_store import TelemetryStore

logger = logging.getLogger(__name__)

ProviderLookup = Callable[[str], Awaitable[str | None]]
# Waits before each ask: at once, then twice more while the record is not there yet.
DELAYS_S = (0.0, 2.0, 10.0)


class ProviderNames:
    """A bus subscriber that stores who served each complete reply, in the background."""

    def __init__(
        self,
        store: TelemetryStore,
        lookup: ProviderLookup,
        *,
        delays_s: Sequence[float] = DELAYS_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._store = store
        self._lookup = lookup
        self._delays = tuple(delays_s)
        self._sleep = sleep
        self._tasks: set[asyncio.Task[str | None]] = set()

    def on_completed(self, event: MessageCompleted) -> None:
        """Bus handler: look the provider of a complete reply up, off the turn's path."""
        if event.status != MessageStatus.COMPLETE.value:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a script): nothing to wait on
        task = loop.create_task(self.find(event.message_id))
        self._tasks.add(task)  # held so it is not collected mid-flight
        task.add_done_callback(self._tasks.discard)

    async def find(self, message_id: int) -> str | None:
        """Ask for and store the provider of one reply; None when it was not found."""
        generation = await asyncio.to_thread(self._store.generation_of, message_id)
        if generation is None:
            return None
        for delay in self._delays:
            if delay:
                await self._sleep(delay)
            try:
                name = await self._lookup(generation)
            except NeuralTerminalError as exc:
                logger.info("provider of generation %s not known yet: %s", generation, exc)
                continue
            if name is not None:
                await asyncio.to_thread(
                    self._store.set_provider, message_id=message_id, provider=name
                )
                return name
        return None

    async def wait(self) -> None:
        """Wait for lookups in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
