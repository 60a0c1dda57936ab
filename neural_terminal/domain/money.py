"""Money is ``Decimal`` everywhere; this is the one place it is rounded for display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MILLION = Decimal(1_000_000)
CENT = Decimal("0.01")
# What the database holds (store/money_column.py): every stored amount is a whole number of these.
PICO = Decimal("1e-12")
# Digits shown of an amount below one cent ($0.00023, $0.0000031): the rounded figures of
# fixed places would say $0.0002 or <$0.0001 of a reply's real cost.
SIGNIFICANT = 2
# Places shown below and above one dollar (NEURAL_TERMINAL_MONEY_PLACES_SMALL / _LARGE).
_places = {"small": 4, "large": 2}


def set_display_places(*, small: int, large: int) -> None:
    """Configure how many decimals amounts show below and above one dollar."""
    _places.update(small=max(0, small), large=max(0, large))


def usd(value: str | int | Decimal) -> Decimal:
    """Parse a USD amount exactly (strings straight into ``Decimal``, never through float)."""
    if isinstance(value, float):  # a float has already lost the exact figure
        raise TypeError("money must not pass through float")
    return Decimal(value)


def format_usd(
    amount: Decimal | None, *, small_places: int | None = None, large_places: int | None = None
) -> str:
    """``$0.00023`` below one cent (its significant digits), ``$0.0123`` below one dollar,
    ``$12.35`` above; ``—`` when unknown."""
    if amount is None:
        return "—"
    if amount != 0 and abs(amount) < CENT:
        significant = _significant(amount)
        if abs(significant) < CENT:  # rounding up may have reached a cent: shown as one
            return _dollars(significant, "f")
    small_places = _places["small"] if small_places is None else small_places
    large_places = _places["large"] if large_places is None else large_places
    places = small_places if abs(amount) < 1 else large_places
    quantum = Decimal(1).scaleb(-places)
    rounded = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    if amount != 0 and rounded == 0:
        return f"<${quantum}"
    return _dollars(rounded, ",")


def _dollars(amount: Decimal, spec: str) -> str:
    """``-$0.5`` rather than ``$-0.5`` (a drift may be negative)."""
    return f"{'-' if amount < 0 else ''}${abs(amount):{spec}}"


def _significant(amount: Decimal) -> Decimal:
    """``amount`` to its first SIGNIFICANT digits (half up), trailing zeros dropped."""
    quantum = Decimal(1).scaleb(amount.adjusted() - SIGNIFICANT + 1)
    return amount.quantize(quantum, rounding=ROUND_HALF_UP).normalize()


def exact_usd(amount: Decimal | None) -> str:
    """Every digit the database holds (picodollars): ``$0.000230000000``; ``—`` when unknown."""
    if amount is None:
        return "—"
    stored = amount.quantize(PICO)
    return _dollars(stored if stored == amount else amount, ",f")  # finer: as it is


def format_price_per_million(per_token: Decimal) -> str:
    """A per-token price as people compare them: dollars per million tokens."""
    if per_token == 0:
        return "free"
    per_million = (per_token * MILLION).normalize()
    return f"${per_million:f}/M"
