"""An exact USD column: integer picodollars (1e-12 USD), summable exactly in SQL.

A float or SQLite NUMERIC column would round money; text would not sum. Twelve places hold
every OpenRouter per-token price (they go to about 1e-10) times any token count exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PICO = Decimal("1e12")


class ExactUSD(TypeDecorator[Decimal]):
    """Stores a ``Decimal`` number of dollars as an integer count of picodollars."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        """Dollars -> picodollars; amounts finer than 1e-12 round half-even."""
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"ExactUSD takes Decimal, not {type(value).__name__}")
        return int((value * PICO).to_integral_value(rounding=ROUND_HALF_EVEN))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Picodollars -> dollars, exactly."""
        if value is None:
            return None
        return (Decimal(int(value)) / PICO).normalize()


def picodollars_to_usd(value: int | None) -> Decimal:
    """Convert a SQL ``SUM`` over an :class:`ExactUSD` column back to dollars."""
    return (Decimal(int(value or 0)) / PICO).normalize()


def summed_usd(total: Decimal | int | None) -> Decimal:
    """A SQL ``SUM`` of costs in dollars, 0 for no rows: the column's type usually turns it
    back into dollars already (Decimal); a bare integer is picodollars."""
    return total if isinstance(total, Decimal) else picodollars_to_usd(total)
