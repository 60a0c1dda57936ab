"""One reply's spend while it streams: its reservation, and the stop when a limit is reached.

The allowance (the most this reply may cost before some limit is reached) is read from the
database when the reply starts and at every checkpoint, when the reservation also grows to
the live estimate so other tabs and workers count it. Between checkpoints the check is a
comparison in memory, run on every delta: a reply overshoots by at most one delta's tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from neural_terminal.chat.spend.budget import BudgetGuard, BudgetStatus
from neural_terminal.domain.errors import BudgetStop
from neural_terminal.domain.money import format_usd

logger = logging.getLogger(__name__)


class SpendWatch:
    """Guards one reply in flight; ``check`` raises BudgetStop once the limit is reached."""

    def __init__(
        self,
        guard: BudgetGuard,
        *,
        conversation_id: int,
        reservation_id: int,
        reserved: Decimal,
        allowance: Decimal | None,
    ) -> None:
        self._guard = guard
        self._conversation_id = conversation_id
        self._reservation_id = reservation_id
        self._reserved = reserved
        self._released = False
        self._allowance = allowance

    @property
    def allowance(self) -> Decimal | None:
        """The most the reply may cost in all (None: no limit applies)."""
        return self._allowance

    def check(self, live_usd: Decimal | None) -> None:
        """Stop the reply (raise BudgetStop) when its live cost reaches the allowance."""
        if live_usd is None or self._allowance is None or live_usd < self._allowance:
            return
        status = self._guard.status(self._conversation_id)
        tightest = min(status.limits, key=lambda lim: lim.limit_usd - lim.spent_usd, default=None)
        phrase = tightest.phrase if tightest else "the budget"
        remedy = tightest.remedy if tightest else "raise the limit in the budget panel"
        raise BudgetStop(
            f"Stopped: {phrase} was reached while this reply streamed "
            f"(it had cost about {format_usd(live_usd)}). The text so far is kept with its "
            f"estimated cost; {remedy} to continue.",
            detail=f"allowance={self._allowance} live={live_usd}",
            scope=tightest.scope if tightest else "global",
            limit_usd=tightest.limit_usd if tightest else None,
            estimate_usd=live_usd,
        )

    @staticmethod
    def checkpoint_all(watches: Sequence[tuple[SpendWatch, Decimal | None]]) -> None:
        """At a checkpoint, several replies (each with its live estimate): their reservations
        grow to their live estimates in one transaction (so other tabs and workers count them),
        then their allowances are re-read in one go."""
        by_guard: dict[int, list[tuple[SpendWatch, Decimal | None]]] = {}
        for watch, live_usd in watches:
            by_guard.setdefault(id(watch._guard), []).append((watch, live_usd))
        for group in by_guard.values():
            SpendWatch._checkpoint_together(group)

    @staticmethod
    def _checkpoint_together(watches: list[tuple[SpendWatch, Decimal | None]]) -> None:
        guard = watches[0][0]._guard
        growths: dict[int, Decimal] = {}
        for watch, live_usd in watches:
            if live_usd is not None and live_usd > watch._reserved:
                growths[watch._reservation_id] = live_usd
                watch._reserved = live_usd
        guard.store.grow_many(growths)
        open_watches = [watch for watch, _ in watches if not watch._released]
        replies = [(watch._conversation_id, watch._reserved) for watch in open_watches]
        for watch, allowance in zip(open_watches, guard.allowances(replies), strict=True):
            watch._allowance = allowance

    def release(self) -> BudgetStatus | None:
        """The reply's cost is stored: drop the reservation, publish any crossing; the budget
        as it now stands for the reply's conversation (None when released before)."""
        if self._released:
            return None
        self._released = True
        self._guard.store.release(reservation_id=self._reservation_id)
        return self._guard.settle(self._conversation_id)
