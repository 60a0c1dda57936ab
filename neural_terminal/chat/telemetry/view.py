"""The telemetry page's figures for one viewer: SQL aggregations (off the event loop), turned
into local days, with the budget's limit and its projection."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from neural_terminal.chat.spend.budget import BudgetGuard
from neural_terminal.chat.telemetry.projection import Budgeted, horizon, project
from neural_terminal.chat.telemetry.ranges import (
    RangeChoice,
    days_between,
    local_day,
    resolve,
)
from neural_terminal.chat.turns.streaming import STOPPED_BY_USER
from neural_terminal.domain.periods import Period
from neural_terminal.domain.telemetry import (
    DaySpend,
    FailureDay,
    SpendCurve,
    TelemetryQuery,
    TelemetryView,
)
from neural_terminal.domain.viewer import Viewer
from neural_terminal.store.telemetry.scope import SLOT_S, Scope
from neural_terminal.store.telemetry.telemetry_store import TelemetryStore


class Telemetry:
    """Builds the telemetry page's view; every query runs in a worker thread."""

    def __init__(
        self,
        *,
        store: TelemetryStore,
        budget: BudgetGuard,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._budget = budget
        self._clock = clock

    async def view(self, viewer: Viewer, choice: RangeChoice) -> TelemetryView:
        """Every panel for ``viewer``'s own replies in the chosen range, off the event loop
        (a reply streaming meanwhile is not held up)."""
        return await asyncio.to_thread(self.view_now, viewer, choice)

    def view_now(self, viewer: Viewer, choice: RangeChoice) -> TelemetryView:
        """The same, in this thread."""
        # A download names the instant its page was computed: the same figures, exactly.
        now = min(choice.at, self._clock()) if choice.at else self._clock()
        tz = self._budget.store.config().time_zone
        query = resolve(choice, now=now, tz=tz)
        end = min(query.end, now) if query.end else now  # nothing after that instant
        scope = Scope(viewer.is_local, viewer.user_id, query.start, end, query.model)
        raw = self._store.read(scope, stopped=STOPPED_BY_USER)
        daily = _days(raw.spend_slots, tz)
        first, last = _shown_days(query, daily, now, tz)
        days = tuple(DaySpend(day, daily.get(day, Decimal(0))) for day in days_between(first, last))
        return TelemetryView(
            query=query,
            at=now,
            time_zone=tz,
            spend=self._curve(viewer, scope, query, days, now, tz),
            by_model=tuple(raw.by_model),
            by_conversation=tuple(raw.by_conversation),
            ttft=raw.ttft,
            speed=raw.speed,
            spreads=tuple(raw.spreads),
            latency=tuple(raw.latency),
            drift=tuple(raw.drift),
            failures=_failure_days(raw.failure_slots, tz),
            scores=tuple(raw.scores),
            models=tuple(raw.models),
        )

    def _curve(
        self,
        viewer: Viewer,
        scope: Scope,
        query: TelemetryQuery,
        days: tuple[DaySpend, ...],
        now: datetime,
        tz: str,
    ) -> SpendCurve:
        limit, period = self._limit(viewer)
        reaches_now = query.end is None or query.end > now
        if query.model is not None or not reaches_now:
            return SpendCurve(days, limit, period)
        # The budget's period as stored up to now (a lifetime budget: everything before too).
        start, _ = horizon(now, period, tz)
        owned = Scope(scope.local, scope.owner_id, start=start, end=now)
        daily = _days(self._store.spend_slots(owned), tz)
        spent = sum(daily.values(), Decimal(0))
        if period is Period.NONE:
            earlier = Scope(scope.local, scope.owner_id, end=start)
            spent += sum((usd for _, usd in self._store.spend_slots(earlier)), Decimal(0))
        projection = project(Budgeted(limit, period, spent), daily, now=now, tz=tz)
        return SpendCurve(
            days=days,
            limit_usd=limit,
            period=period,
            period_spent_usd=projection.spent_usd,
            projected_usd=projection.projected_usd,
            totals=projection.totals,
            projection=projection.ahead,
        )

    def _limit(self, viewer: Viewer) -> tuple[Decimal | None, Period]:
        """The limit this viewer spends against: their own (hosted mode), else the global."""
        if viewer.user_id is not None:
            mine = self._budget.store.user_budgets(user_id=viewer.user_id)
            return (mine[0].limit_usd, mine[0].period) if mine else (None, Period.NONE)
        config = self._budget.store.config()
        return config.limit_usd, config.period


def _days(slots: list[tuple[int, Decimal]], tz: str) -> dict[date, Decimal]:
    daily: dict[date, Decimal] = defaultdict(Decimal)
    for slot, usd in slots:
        daily[_slot_day(slot, tz)] += usd
    return dict(daily)


def _slot_day(slot: int, tz: str) -> date:
    return local_day(datetime.fromtimestamp(slot * SLOT_S, UTC), tz)


def _shown_days(
    query: TelemetryQuery, daily: dict[date, Decimal], now: datetime, tz: str
) -> tuple[date, date]:
    """The chart's first and last day: the range's, or the data's where it is unbounded."""
    today = local_day(now, tz)
    first = local_day(query.start, tz) if query.start else min(daily, default=today)
    last = local_day(query.end, tz) if query.end else max(max(daily, default=today), today)
    if query.end is not None:
        last = date.fromordinal(last.toordinal() - 1)  # the end is the next day's midnight
    return first, max(first, last)


def _failure_days(slots: list[tuple[int, str, int]], tz: str) -> tuple[FailureDay, ...]:
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for slot, kind, count in slots:
        counts[(_slot_day(slot, tz), kind)] += count
    return tuple(FailureDay(day, kind, n) for (day, kind), n in sorted(counts.items()))
