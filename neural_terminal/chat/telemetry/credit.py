"""The account's credit from the upstream's ``GET /key``: asked after each reply and when a
page opens, but at most once a minute; what was last read is kept between two asks."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from neural_terminal.domain.credit import KeyInfo
from neural_terminal.domain.errors import NeuralTerminalError

logger = logging.getLogger(__name__)

KeyLookup = Callable[[], Awaitable[KeyInfo | None]]
REFRESH_EVERY_S = 60.0


class AccountCredit:
    """The key's limit and spend, cached for ``every_s`` seconds."""

    def __init__(
        self,
        lookup: KeyLookup,
        *,
        every_s: float = REFRESH_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._every_s = every_s
        self._clock = clock
        self._info: KeyInfo | None = None
        self._asked_at: float | None = None
        self._lock = asyncio.Lock()
        self.lookups = 0

    async def current(self) -> KeyInfo | None:
        """The key's figures: asked again when the last ask is a minute old (None: the
        upstream does not offer ``/key``, or has not answered yet)."""
        async with self._lock:  # two tabs finishing at once ask once
            now = self._clock()
            if self._asked_at is not None and now - self._asked_at < self._every_s:
                return self._info
            self._asked_at = now
            self.lookups += 1
            try:
                self._info = await self._lookup()
            except NeuralTerminalError as exc:
                logger.info("the key's credit was not read: %s", exc)
            return self._info
