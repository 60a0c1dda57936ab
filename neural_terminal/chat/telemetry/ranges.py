"""The telemetry page's ranges (today, 7 days, 30 days, all, custom) as UTC instants.

Days are local days in the budget's time zone: a range runs from a local midnight to the
local midnight after its last day, so a DST day is 23 or 25 hours long, as it was lived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

from neural_terminal.domain.periods import zone
from neural_terminal.domain.telemetry import TelemetryQuery


class RangeName(StrEnum):
    """The ranges the page offers."""

    TODAY = "today"
    WEEK = "7d"
    MONTH = "30d"
    ALL = "all"
    CUSTOM = "custom"


LOOKBACK_DAYS = {RangeName.TODAY: 0, RangeName.WEEK: 6, RangeName.MONTH: 29}


@dataclass(frozen=True)
class RangeChoice:
    """What the page asked for: a range, its days when custom (inclusive), a model or all."""

    name: RangeName = RangeName.WEEK
    first_day: date | None = None
    last_day: date | None = None
    model: str | None = None
    # The instant to read the figures at (a download of what a page showed); None: now.
    at: datetime | None = None


def local_midnight(day: date, tz: str) -> datetime:
    """The UTC instant ``day`` began in ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)


def local_day(instant: datetime, tz: str) -> date:
    """The local date of a UTC instant in ``tz``."""
    return instant.astimezone(zone(tz)).date()


def resolve(choice: RangeChoice, *, now: datetime, tz: str) -> TelemetryQuery:
    """The UTC range (start inclusive, end exclusive) and model the choice means at ``now``."""
    today = local_day(now, tz)
    tomorrow = local_midnight(today + timedelta(days=1), tz)
    if choice.name in LOOKBACK_DAYS:
        first = today - timedelta(days=LOOKBACK_DAYS[choice.name])
        return TelemetryQuery(local_midnight(first, tz), tomorrow, choice.model)
    if choice.name is RangeName.CUSTOM:
        first_day, last_day = choice.first_day, choice.last_day
        if first_day and last_day and first_day > last_day:
            first_day, last_day = last_day, first_day
        start = local_midnight(first_day, tz) if first_day else None
        end = local_midnight(last_day + timedelta(days=1), tz) if last_day else None
        return TelemetryQuery(start, end, choice.model)
    return TelemetryQuery(None, None, choice.model)


def days_between(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def parse_choice(
    name: str, first_day: str = "", last_day: str = "", model: str = "", at: str = ""
) -> RangeChoice:
    """A choice from the page's or a download's text; anything unreadable reads as the
    default (7 days) or as unset."""
    try:
        range_name = RangeName(name)
    except ValueError:
        range_name = RangeName.WEEK
    instant = None
    try:
        instant = datetime.fromisoformat(at.strip()) if at.strip() else None
    except ValueError:
        instant = None
    if instant is not None and instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return RangeChoice(range_name, _day(first_day), _day(last_day), model.strip() or None, instant)


def choice_query(choice: RangeChoice) -> str:
    """The choice as a download's query string (what :func:`parse_choice` reads back)."""
    parts = {"range": choice.name.value}
    if choice.first_day:
        parts["from"] = choice.first_day.isoformat()
    if choice.last_day:
        parts["to"] = choice.last_day.isoformat()
    if choice.model:
        parts["model"] = choice.model
    if choice.at:
        parts["at"] = choice.at.astimezone(UTC).isoformat()
    return urlencode(parts)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None
