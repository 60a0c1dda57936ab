"""What a reply probably costs when the upstream has not said (yet, or ever).

OpenRouter reports the exact cost in a stream's last chunk; a stream that ends early has no
last chunk, and a reply in flight has none yet. We then count tokens ourselves, with the one
counter every count uses (tokens/counter.py: the model's own encoding for OpenAI families,
cl100k_base as an approximation for the rest), and price them with the one formula bills use
(domain/costing.py); such a cost is flagged an estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.costing import TokenUsage, compute_cost
from neural_terminal.domain.models import ModelPricing
from neural_terminal.tokens.counter import TokenCounter

PriceLookup = Callable[[str], ModelPricing | None]


@dataclass(frozen=True)
class Estimate:
    """Token counts we made ourselves, and their price (None when the model's price is unknown)."""

    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal | None


def price(pricing: ModelPricing, *, prompt_tokens: int, completion_tokens: int) -> Decimal:
    """The cost of these token counts at ``pricing``, exactly (the bills' own formula)."""
    return compute_cost(pricing, TokenUsage(prompt=prompt_tokens, completion=completion_tokens))


class CostEstimator:
    """Counts and prices on a model's behalf; prices come from ``prices``."""

    def __init__(self, prices: PriceLookup, counter: TokenCounter | None = None) -> None:
        self._prices = prices
        self._counter = counter or TokenCounter()

    def pricing(self, model: str) -> ModelPricing | None:
        """The catalogue's prices of ``model``, or None when unknown."""
        return self._prices(model)

    def prompt_tokens(self, model: str, prompt: Sequence[PromptMessage]) -> int:
        """Prompt tokens of ``prompt`` in ``model``'s encoding, by the chat recipe."""
        return self._counter.count_prompt(prompt, self._encoding(model))

    def text_tokens(self, model: str, text: str) -> int:
        """Tokens of ``text`` alone in ``model``'s encoding."""
        return self._counter.count_text(text, self._encoding(model))

    def text_counter(self, model: str) -> Callable[[str], int]:
        """``text_tokens`` for ``model``, with its encoding resolved once."""
        return self._counter.text_counter(self._encoding(model))

    def estimate(
        self, model: str, prompt: Sequence[PromptMessage], completion_text: str
    ) -> Estimate:
        """The estimate for a reply of ``completion_text`` to ``prompt`` on ``model``."""
        prompt_tokens = self.prompt_tokens(model, prompt)
        completion_tokens = self.text_tokens(model, completion_text)
        pricing = self._prices(model)
        cost = (
            None
            if pricing is None
            else price(pricing, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        )
        return Estimate(prompt_tokens, completion_tokens, cost)

    def _encoding(self, model: str) -> str:
        return self._counter.scheme(model).encoding
