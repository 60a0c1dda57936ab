"""What the upstream's model catalogue says about one model."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)
# OpenRouter's free variants of a model: ``deepseek/deepseek-r1:free``.
FREE_SUFFIX = ":free"


@dataclass(frozen=True)
class ModelPricing:
    """USD **per token** (per request for ``request``), exactly as OpenRouter publishes it."""

    prompt: Decimal = ZERO
    completion: Decimal = ZERO
    request: Decimal = ZERO
    input_cache_read: Decimal = ZERO
    input_cache_write: Decimal = ZERO
    internal_reasoning: Decimal = ZERO

    @property
    def is_free(self) -> bool:
        """True when neither prompt nor completion tokens cost anything."""
        return self.prompt == ZERO and self.completion == ZERO and self.request == ZERO


@dataclass(frozen=True)
class ModelInfo:
    """One entry of ``GET /models``."""

    id: str
    name: str
    context_length: int
    pricing: ModelPricing = field(default_factory=ModelPricing)

    @property
    def provider(self) -> str:
        """Who serves it: the part of the id before ``/`` (``openai`` of ``openai/gpt-4o``)."""
        provider, slash, _ = self.id.partition("/")
        return provider if slash else ""

    @property
    def is_free(self) -> bool:
        """Free to use: nothing charged in or out, or one of OpenRouter's ``:free`` variants
        (https://openrouter.ai/docs/api-reference/limits: free ids end with ``:free``)."""
        return self.pricing.is_free or self.id.endswith(FREE_SUFFIX)
