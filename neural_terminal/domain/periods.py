"""Budget periods: when the current one began, in the user's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Period(StrEnum):
    """How often the global budget starts again."""

    NONE = "none"
    DAILY = "daily"
    MONTHLY = "monthly"


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
    local = now.astimezone(zone(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is Period.MONTHLY:
        midnight = midnight.replace(day=1)
    # Midnight is rebuilt from the wall clock so a DST change that day keeps it at 00:00.
    start = datetime(midnight.year, midnight.month, midnight.day, tzinfo=zone(tz))
    return start.astimezone(UTC)


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
