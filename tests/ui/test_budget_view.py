"""What the header, banners and panel say about budgets."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from neural_terminal.chat.spend.budget import BudgetStatus
from neural_terminal.chat.spend.spending import Preflight
from neural_terminal.domain.errors import InvalidBudget
from neural_terminal.domain.periods import Period
from neural_terminal.store.spend.budget_store import BudgetConfig, Spend
from neural_terminal.store.tables import PriceChange
from neural_terminal.ui.budget.budget_view import (
    budget_figures,
    parse_limit,
    preflight_text,
    price_change_text,
)


def status(spent: str, limit: str | None, period: Period = Period.NONE) -> BudgetStatus:
    config = BudgetConfig(Decimal(limit) if limit else None, period, "Europe/Berlin")
    resets = datetime(2026, 11, 24, 23, tzinfo=UTC) if period is not Period.NONE else None
    return BudgetStatus(config, Spend(Decimal(spent), Decimal(0), None), resets)


@pytest.mark.parametrize(
    ("spent", "level", "percent"),
    [
        pytest.param("1.00", "ok", 20, id="ok"),
        pytest.param("4.00", "warning", 80, id="amber-at-80"),
        pytest.param("5.00", "exceeded", 100, id="red-at-100"),
        pytest.param("7.00", "exceeded", 100, id="bar-capped"),
    ],
)
def test_the_bar_follows_the_spend(spent: str, level: str, percent: int) -> None:
    figures = budget_figures(status(spent, "5.00"))
    assert (figures.level, figures.percent) == (level, percent)
    assert bool(figures.warning) == (level == "warning")
    assert bool(figures.suspended) == (level == "exceeded")


def test_a_daily_budget_says_today_and_when_it_resets_in_local_time() -> None:
    figures = budget_figures(status("5", "5", Period.DAILY))
    assert figures.text == "today $5.00 / $5.00"
    assert "2026-11-25 00:00 Europe/Berlin" in figures.suspended


def test_no_limit_shows_the_spend_only() -> None:
    assert budget_figures(status("0.25", None)).text == "spent $0.2500 · no limit"


@pytest.mark.parametrize(
    ("raw", "value"),
    [("5", Decimal(5)), ("$0.25", Decimal("0.25")), ("1,000", Decimal(1000)), ("", None)],
)
def test_limits_are_read_exactly(raw: str, value: Decimal | None) -> None:
    assert parse_limit(raw) == value


@pytest.mark.parametrize("raw", ["abc", "-1", "NaN", "inf"])
def test_a_bad_limit_is_refused(raw: str) -> None:
    with pytest.raises(InvalidBudget):
        parse_limit(raw)


def test_preflight_and_price_change_lines() -> None:
    assert preflight_text(Preflight("m", 1234, 512, Decimal("0.00091"))) == (
        "≈ $0.00091 to send (1,234 in + 512 out)"
    )
    assert preflight_text(Preflight("m", 1, 2, None)).startswith("price unknown")
    change = PriceChange(
        model_id="m", component="prompt", old_price="0.0000005", new_price="0.0000006"
    )
    assert price_change_text([change]) == "price changed: in $0.5/M -> $0.6/M"
