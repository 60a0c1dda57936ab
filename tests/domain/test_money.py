"""Money: exact parsing, display rounding in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.money import format_price_per_million, format_usd, usd


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        pytest.param(Decimal("0.00123"), "$0.0012", id="below-a-dollar-4-places"),
        pytest.param(Decimal("0.00005"), "$0.0001", id="half-up"),
        pytest.param(Decimal("0.00001"), "<$0.0001", id="tiny-but-not-zero"),
        pytest.param(Decimal("0"), "$0.0000", id="zero"),
        pytest.param(Decimal("12.345"), "$12.35", id="above-a-dollar-2-places"),
        pytest.param(Decimal("1234.5"), "$1,234.50", id="thousands"),
        pytest.param(None, "—", id="unknown"),
    ],
)
def test_format_usd(amount: Decimal | None, shown: str) -> None:
    assert format_usd(amount) == shown


def test_money_never_passes_through_float() -> None:
    assert usd("0.0000015") * 1000 == Decimal("0.0015")
    with pytest.raises(TypeError):
        usd(0.1)  # type: ignore[arg-type]


def test_price_per_million() -> None:
    assert format_price_per_million(Decimal("0.000015")) == "$15/M"
    assert format_price_per_million(Decimal("0")) == "free"
