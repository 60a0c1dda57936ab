"""Money: exact parsing, display rounding in one place."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.money import exact_usd, format_price_per_million, format_usd, usd


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        pytest.param(Decimal("0.00023"), "$0.00023", id="below-a-cent-significant-digits"),
        pytest.param(Decimal("0.0000031"), "$0.0000031", id="millionths"),
        pytest.param(Decimal("0.000234567"), "$0.00023", id="below-a-cent-two-digits"),
        pytest.param(Decimal("0.0000555"), "$0.000056", id="below-a-cent-half-up"),
        pytest.param(Decimal("0.0002"), "$0.0002", id="below-a-cent-no-trailing-zero"),
        pytest.param(Decimal("0.00000000001"), "$0.00000000001", id="ten-picodollars"),
        pytest.param(Decimal("0.00996"), "$0.0100", id="rounds-up-to-a-cent"),
        pytest.param(Decimal("-0.00023"), "-$0.00023", id="negative-drift"),
        pytest.param(Decimal("0.01"), "$0.0100", id="a-cent-4-places"),
        pytest.param(Decimal("0.00123"), "$0.0012", id="below-a-dollar-4-places"),
        pytest.param(Decimal("0.012345"), "$0.0123", id="cents-4-places"),
        pytest.param(Decimal("0.00005"), "$0.00005", id="below-a-cent-not-rounded-away"),
        pytest.param(Decimal("0"), "$0.0000", id="zero"),
        pytest.param(Decimal("-0.5"), "-$0.5000", id="negative-below-a-dollar"),
        pytest.param(Decimal("12.345"), "$12.35", id="above-a-dollar-2-places"),
        pytest.param(Decimal("1234.5"), "$1,234.50", id="thousands"),
        pytest.param(None, "—", id="unknown"),
    ],
)
def test_format_usd(amount: Decimal | None, shown: str) -> None:
    assert format_usd(amount) == shown


@pytest.mark.parametrize(
    ("amount", "small", "shown"),
    [
        pytest.param(Decimal("0.123"), 1, "$0.1", id="one-place"),
        pytest.param(Decimal("0.04"), 1, "<$0.1", id="rounded-away-says-so"),
        pytest.param(Decimal("0.004"), 1, "$0.004", id="below-a-cent-ignores-places"),
    ],
)
def test_format_usd_with_configured_places(amount: Decimal, small: int, shown: str) -> None:
    assert format_usd(amount, small_places=small) == shown


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        pytest.param(Decimal("0.00023"), "$0.000230000000", id="picodollar-places"),
        pytest.param(Decimal("0.000000000001"), "$0.000000000001", id="one-picodollar"),
        pytest.param(Decimal("1234.5"), "$1,234.500000000000", id="thousands"),
        pytest.param(Decimal("-0.0000031"), "-$0.000003100000", id="negative-drift"),
        pytest.param(Decimal("1E-13"), "$0.0000000000001", id="finer-than-stored-kept"),
        pytest.param(None, "—", id="unknown"),
    ],
)
def test_exact_usd(amount: Decimal | None, shown: str) -> None:
    assert exact_usd(amount) == shown


def test_money_never_passes_through_float() -> None:
    assert usd("0.0000015") * 1000 == Decimal("0.0015")
    with pytest.raises(TypeError):
        usd(0.1)  # type: ignore[arg-type]


def test_price_per_million() -> None:
    assert format_price_per_million(Decimal("0.000015")) == "$15/M"
    assert format_price_per_million(Decimal("0")) == "free"
