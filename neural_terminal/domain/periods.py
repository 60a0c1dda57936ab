"""Budget periods: when the current one began, in the user's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Period(StrEnum):
    """How often a budget (the global one, a user's) starts again."""

    NONE = "none"
    DAILY = "daily"
    MONTHLY = "monthly"


def parse_period(value: str) -> Period:
    """A stored period name; an unknown one reads as NONE (spend never resets: the safe side)."""
    try:
        return Period(value)
    except ValueError:
        return Period.NONE


@dataclass(frozen=True)
class PeriodStarts:
    """When the current day and month began (UTC), for limits whose period differs by row."""

    daily: datetime
    monthly: datetime

    def of(self, period: Period) -> datetime | None:
        """The start of ``period``'s current period; None for a budget that never resets."""
        return {Period.NONE: None, Period.DAILY: self.daily, Period.MONTHLY: self.monthly}[period]


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; an unknown name falls back to UTC (a typo must not crash)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_start(now: datetime, period: Period, tz: str) -> datetime | None:
    """The UTC instant the current period began; None for a budget that never resets."""
    if period is Period.NONE:
        return None
    return _start(now, tz, monthly=period is Period.MONTHLY)


def period_starts(now: datetime, tz: str) -> PeriodStarts:
    """Today's and this month's starts at ``now`` in the time zone ``tz``."""
    return PeriodStarts(daily=_start(now, tz, monthly=False), monthly=_start(now, tz, monthly=True))


def period_end(now: datetime, period: Period, tz: str) -> datetime | None:
    """The UTC instant the next period begins (when a suspension lifts), or None."""
    start = period_start(now, period, tz)
    if start is None:
        return None
    local = start.astimezone(zone(tz))
    if period is Period.DAILY:
        nxt = (local + timedelta(days=1, hours=12)).date()  # noon sidesteps DST-length days
    else:
        nxt = (local.replace(day=28) + timedelta(days=4)).replace(day=1).date()
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone(tz)).astimezone(UTC)


def _start(now: datetime, tz: str, *, monthly: bool) -> datetime:
    local = now.astimezone(zone(tz))
    # Midnight is rebuilt from the wall clock so a DST change that day keeps it at 00:00.
    start = datetime(local.year, local.month, 1 if monthly else local.day, tzinfo=zone(tz))
    return start.astimezone(UTC)
