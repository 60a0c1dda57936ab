"""Budget periods start and end at local midnight in the configured zone, month ends too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from neural_terminal.domain.periods import (
    Period,
    PeriodStarts,
    parse_period,
    period_end,
    period_start,
    period_starts,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "period", "tz", "start", "end"),
    [
        pytest.param(
            utc(2026, 11, 24, 9, 30), Period.DAILY, "UTC",
            utc(2026, 11, 24), utc(2026, 11, 25), id="daily-utc",
        ),
        pytest.param(
            utc(2026, 11, 24, 3, 0), Period.DAILY, "America/New_York",
            utc(2026, 11, 23, 5), utc(2026, 11, 24, 5), id="daily-behind-utc-still-yesterday",
        ),
        pytest.param(
            utc(2026, 11, 24, 23, 30), Period.DAILY, "Asia/Tokyo",
            utc(2026, 11, 24, 15), utc(2026, 11, 25, 15), id="daily-ahead-of-utc-already-tomorrow",
        ),
        pytest.param(
            utc(2026, 3, 29, 12), Period.DAILY, "Europe/Berlin",
            utc(2026, 3, 28, 23), utc(2026, 3, 29, 22), id="daily-23-hour-dst-day",
        ),
        pytest.param(
            utc(2026, 1, 31, 23, 59), Period.MONTHLY, "UTC",
            utc(2026, 1, 1), utc(2026, 2, 1), id="monthly-last-minute-of-january",
        ),
        pytest.param(
            utc(2026, 2, 28, 23, 30), Period.MONTHLY, "Europe/Berlin",
            utc(2026, 2, 28, 23), utc(2026, 3, 31, 22), id="monthly-already-march-in-berlin",
        ),
        pytest.param(
            utc(2028, 2, 29, 12), Period.MONTHLY, "UTC",
            utc(2028, 2, 1), utc(2028, 3, 1), id="monthly-leap-february",
        ),
        pytest.param(
            utc(2026, 12, 31, 12), Period.MONTHLY, "UTC",
            utc(2026, 12, 1), utc(2027, 1, 1), id="monthly-december-rolls-the-year",
        ),
        pytest.param(
            utc(2026, 4, 30, 12), Period.MONTHLY, "Nowhere/Unknown",
            utc(2026, 4, 1), utc(2026, 5, 1), id="unknown-zone-falls-back-to-utc",
        ),
    ],
)  # fmt: skip
def test_period_boundaries(
    now: datetime, period: Period, tz: str, start: datetime, end: datetime
) -> None:
    assert period_start(now, period, tz) == start
    assert period_end(now, period, tz) == end


def test_a_budget_without_period_never_resets() -> None:
    now = utc(2026, 11, 24)
    assert period_start(now, Period.NONE, "UTC") is None
    assert period_end(now, Period.NONE, "UTC") is None


def test_the_end_of_a_period_is_the_start_of_the_next() -> None:
    now = utc(2026, 1, 31, 12)
    end = period_end(now, Period.MONTHLY, "Europe/Berlin")
    assert end is not None
    assert period_start(end, Period.MONTHLY, "Europe/Berlin") == end


def test_the_day_and_month_starts_of_a_moment_are_those_of_each_period() -> None:
    now = utc(2026, 2, 28, 23, 30)  # already 1 March in Berlin
    starts = period_starts(now, "Europe/Berlin")
    assert starts == PeriodStarts(daily=utc(2026, 2, 28, 23), monthly=utc(2026, 2, 28, 23))
    for period in Period:
        assert starts.of(period) == period_start(now, period, "Europe/Berlin")


@pytest.mark.parametrize(
    ("stored", "period"),
    [
        pytest.param("monthly", Period.MONTHLY, id="known"),
        pytest.param("weekly", Period.NONE, id="unknown-never-resets"),
    ],
)
def test_a_stored_period_name_is_read_safely(stored: str, period: Period) -> None:
    assert parse_period(stored) is period
