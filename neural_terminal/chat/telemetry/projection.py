"""The budget's period at the current rate: spent so far, and where it ends up by the end.

A budget that never resets is projected to the end of the month (its spend is lifetime, so
the figure says where the lifetime total stands then at this month's pace).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from neural_terminal.chat.telemetry.ranges import days_between, local_day, local_midnight
from neural_terminal.domain.periods import Period, period_end, period_start
from neural_terminal.domain.telemetry import DaySpend

PICO = Decimal("1e-12")


@dataclass(frozen=True)
class Budgeted:
    """The limit the viewer spends against: its amount, period and what counts so far."""

    limit_usd: Decimal | None
    period: Period
    spent_usd: Decimal


@dataclass(frozen=True)
class Projection:
    """Spent in the period up to now, the total at its end at this pace, and per day."""

    spent_usd: Decimal
    projected_usd: Decimal
    totals: tuple[DaySpend, ...]  # the period's running total at each past day's end
    ahead: tuple[DaySpend, ...]  # the projected total at the end of today and each day after


def horizon(now: datetime, period: Period, tz: str) -> tuple[datetime, datetime]:
    """When the projected period began and when it ends (a month for a budget that never
    resets)."""
    shown = period if period is not Period.NONE else Period.MONTHLY
    start = period_start(now, shown, tz)
    end = period_end(now, shown, tz)
    assert start is not None
    assert end is not None
    return start, end


def project(
    budgeted: Budgeted, daily: dict[date, Decimal], *, now: datetime, tz: str
) -> Projection:
    """Where the period's spend goes at the rate it has had since the period began.

    ``daily`` is the spend per local day (at least the period's days up to today).
    """
    start, end = horizon(now, budgeted.period, tz)
    elapsed = Decimal(str((now - start).total_seconds()))
    in_period = sum((v for d, v in daily.items() if local_midnight(d, tz) >= start), Decimal(0))
    rate = in_period / elapsed if elapsed > 0 else Decimal(0)  # dollars a second

    def at(instant: datetime) -> Decimal:
        seconds = Decimal(str(max(0.0, (instant - now).total_seconds())))
        return (budgeted.spent_usd + rate * seconds).quantize(PICO)

    today = local_day(now, tz)
    first = local_day(start, tz)
    last = local_day(end - timedelta(microseconds=1), tz)
    before_today = sum((v for d, v in daily.items() if first <= d < today), Decimal(0))
    running = budgeted.spent_usd - daily.get(today, Decimal(0)) - before_today
    totals = []
    for day in days_between(first, today):
        running += daily.get(day, Decimal(0))
        totals.append(DaySpend(day, running))
    ahead = tuple(
        DaySpend(day, at(local_midnight(day + timedelta(days=1), tz)))
        for day in days_between(today, last)
    )
    return Projection(budgeted.spent_usd, at(end), tuple(totals), ahead)
