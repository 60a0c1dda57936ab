"""Refusals are logged once per (reason, origin or host), so an attacker cannot flood the log."""

from __future__ import annotations

import logging

logger = logging.getLogger("neural_terminal.security")

MAX_REMEMBERED = 1_000


class RefusalLog:
    """Logs the first refusal of each kind from each source, then stays quiet about it."""

    def __init__(self, *, limit: int = MAX_REMEMBERED) -> None:
        self._seen: set[tuple[str, str]] = set()
        self._limit = limit
        self._full_reported = False

    def refused(self, reason: str, source: str, path: str) -> None:
        """Record one refused request; the log line names the reason, the source and the path."""
        key = (reason, source[:200])
        if key in self._seen:
            return
        if len(self._seen) >= self._limit:
            if not self._full_reported:
                self._full_reported = True
                logger.warning(
                    "refused requests from more than %d sources; no longer logging new ones",
                    self._limit,
                )
            return
        self._seen.add(key)
        logger.warning(
            "refused %s from %r (%s); further ones like it are not logged",
            path[:200],
            source[:200],
            reason,
        )
