"""The simulator's API key: what its generations cost, for ``GET /api/v1/key``, and its limit.

OpenRouter counts a key's usage in total and per UTC day, week (from Monday) and month;
``limit_remaining`` is the limit minus the usage. At the limit, chat requests are refused with
402 and ``error.metadata.limit_source = "openrouter_key_limit"``, as OpenRouter does.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from neural_terminal.simulator.records.generations import Generation

KEY_LIMIT_SOURCE = "openrouter_key_limit"


class KeyLedger:
    """Every generation's cost by UTC day; generations still running count as they stand."""

    def __init__(
        self, limit_usd: Decimal | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._limit = limit_usd
        self._clock = clock
        self._days: dict[date, Decimal] = defaultdict(Decimal)
        self._open: list[Generation] = []

    def add(self, generation: Generation) -> None:
        """Count ``generation`` (its cost grows while it streams)."""
        self._open.append(generation)

    def usage(self, since: date | None = None) -> Decimal:
        """Dollars spent from the UTC day ``since`` on (None: ever)."""
        self._settle()
        settled = sum((v for d, v in self._days.items() if since is None or d >= since), Decimal(0))
        running = sum(
            (g.cost for g in self._open if since is None or _day(g.created_at) >= since),
            Decimal(0),
        )
        return settled + running

    def over_limit(self) -> bool:
        """True once the usage has reached the limit."""
        return self._limit is not None and self.usage() >= self._limit

    def as_json(self) -> dict[str, object]:
        """The ``data`` object of ``GET /key``."""
        today = _day(self._clock())
        usage = self.usage()
        return {
            "label": "sim-key",
            "limit": self._limit,
            "limit_remaining": None
            if self._limit is None
            else max(Decimal(0), self._limit - usage),
            "limit_reset": None,
            "usage": usage,
            "usage_daily": self.usage(today),
            "usage_weekly": self.usage(today - timedelta(days=today.weekday())),
            "usage_monthly": self.usage(today.replace(day=1)),
            "is_free_tier": False,
            "is_provisioning_key": False,
        }

    def _settle(self) -> None:
        """Fold ended generations into the daily totals (the log may forget them later)."""
        running = []
        for generation in self._open:
            if generation.state == "running":
                running.append(generation)
            else:
                self._days[_day(generation.created_at)] += generation.cost
        self._open = running


def _day(epoch_s: float) -> date:
    return datetime.fromtimestamp(epoch_s, UTC).date()
