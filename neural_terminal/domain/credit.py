"""The account behind the API key, as OpenRouter's ``GET /api/v1/key`` describes it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class KeyInfo:
    """The key's limit (None: none), what is left of it, and what it has spent (USD)."""

    limit_usd: Decimal | None
    remaining_usd: Decimal | None
    usage_usd: Decimal
    usage_daily_usd: Decimal | None = None
    usage_weekly_usd: Decimal | None = None
    usage_monthly_usd: Decimal | None = None
    is_free_tier: bool = False


# Which limit a 402 hit: OpenRouter names it in ``error.metadata.limit_source``.
LIMIT_SOURCES = {
    "openrouter_credits": "The account is out of credits (its balance is used up): add credits "
    "and try again.",
    "openrouter_key_limit": (
        "This API key's own spending limit is reached: raise it in the provider's key settings "
        "or use another key."
    ),
    "openrouter_in_flight_budget": (
        "Replies in flight already hold what credit is left: wait for them to finish and try again."
    ),
}


def out_of_credit_text(default: str, limit_source: str | None) -> str:
    """What a 402 says: which limit was hit when the upstream names it, else ``default``."""
    return LIMIT_SOURCES.get(limit_source or "", default)
