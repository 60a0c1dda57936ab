"""What a reply costs from its token counts, at every price component, exactly.

OpenRouter counts cached prompt tokens inside ``prompt_tokens`` and reasoning tokens inside
``completion_tokens`` (https://openrouter.ai/docs/use-cases/usage-accounting), so each is
moved from its parent's price to its own when the model publishes one:

    prompt      (prompt - cached) x prompt + cached x input_cache_read
    completion  (completion - reasoning) x completion + reasoning x internal_reasoning
    + request   once per generation
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from neural_terminal.domain.models import ZERO, ModelPricing


class CostSource(StrEnum):
    """Where a stored cost came from, most authoritative first."""

    UPSTREAM = "upstream"  # usage.cost in the stream's last chunk
    GENERATION = "generation"  # GET /generation, reconciled after the reply broke off
    COMPUTED = "computed"  # reported usage x catalogue prices
    ESTIMATE = "estimate"  # our own token count x catalogue prices


@dataclass(frozen=True)
class TokenUsage:
    """Token counts of one generation, as the upstream reports them."""

    prompt: int = 0
    completion: int = 0
    reasoning: int = 0
    cached: int = 0


def compute_cost(pricing: ModelPricing, usage: TokenUsage) -> Decimal:
    """The exact cost of ``usage`` at ``pricing`` (prices are USD per token)."""
    cached = min(usage.cached, usage.prompt)
    reasoning = min(usage.reasoning, usage.completion)
    cache_price = pricing.input_cache_read if pricing.input_cache_read != ZERO else pricing.prompt
    reasoning_price = (
        pricing.internal_reasoning if pricing.internal_reasoning != ZERO else pricing.completion
    )
    return (
        (usage.prompt - cached) * pricing.prompt
        + cached * cache_price
        + (usage.completion - reasoning) * pricing.completion
        + reasoning * reasoning_price
        + pricing.request
    )


@dataclass(frozen=True)
class Bill:
    """The billed cost, the cost we computed, and which one is authoritative."""

    billed: Decimal | None
    computed: Decimal | None
    source: CostSource

    @property
    def is_estimate(self) -> bool:
        """True when no figure came from the upstream's own accounting."""
        return self.source is CostSource.ESTIMATE


def bill(reported: Decimal | None, pricing: ModelPricing | None, usage: TokenUsage) -> Bill:
    """``usage.cost`` when the upstream reported it, else usage x catalogue prices."""
    computed = compute_cost(pricing, usage) if pricing is not None else None
    if reported is not None:
        return Bill(reported, computed, CostSource.UPSTREAM)
    return Bill(computed, computed, CostSource.COMPUTED)
