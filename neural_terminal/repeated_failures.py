"""A background loop's failures logged without flooding the log.

The watch, the sweep and the checkpoints run every second or so; while the database restarts
each tick fails. The first failure of a run is logged with its traceback, then one line a
minute says how many followed, and one line says when it works again.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

SAY_AGAIN_EVERY_S = 60.0


class RepeatedFailures:
    """The failures in a row of one loop (``what``: how the log names it)."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        every_s: float = SAY_AGAIN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._every_s = every_s
        self._clock = clock
        self._count = 0
        self._said_at = 0.0

    def failed(self) -> None:
        """Call from the ``except`` block of a failed tick."""
        self._count += 1
        now = self._clock()
        if self._count == 1:
            self._logger.exception("%s failed", self._what)
        elif now - self._said_at >= self._every_s:
            self._logger.error(
                "%s still failing: %d times in a row, lately %s",
                self._what,
                self._count,
                sys.exc_info()[1],
            )
        else:
            return
        self._said_at = now

    def worked(self) -> None:
        """Call after a tick that worked."""
        if self._count:
            self._logger.warning("%s works again (%d failed in a row)", self._what, self._count)
        self._count = 0
