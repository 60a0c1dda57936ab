"""What a reply probably cost when the upstream never said (it broke off, or was stopped).

OpenRouter reports the exact cost in a stream's last chunk; a stream that ends early has no
last chunk. We then count tokens ourselves with cl100k_base (exact for OpenAI models, close
for the rest) and price them from the catalogue, and the stored cost is flagged an estimate:

    cost = prompt price x prompt tokens + completion price x completion tokens + request fee

The prompt is counted with OpenAI's chat recipe (3 tokens of framing per message, 3 for
the reply primer; openai-cookbook "How to count tokens with tiktoken").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.models import ModelPricing
from neural_terminal.tokens.encodings import get_encoding

ENCODING = "cl100k_base"
TOKENS_PER_MESSAGE = 3
REPLY_PRIMER_TOKENS = 3

PriceLookup = Callable[[str], ModelPricing | None]


@dataclass(frozen=True)
class Estimate:
    """Token counts we made ourselves, and their price (None when the model's price is unknown)."""

    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal | None


def count_tokens(text: str) -> int:
    """cl100k_base tokens in ``text`` (special-token text counts as plain text)."""
    return len(get_encoding(ENCODING).encode(text, disallowed_special=()))


def count_prompt_tokens(messages: Sequence[PromptMessage]) -> int:
    """Prompt tokens of ``messages`` by the chat recipe."""
    encoding = get_encoding(ENCODING)
    total = REPLY_PRIMER_TOKENS
    for message in messages:
        total += TOKENS_PER_MESSAGE
        total += len(encoding.encode(message.role, disallowed_special=()))
        total += len(encoding.encode(message.content, disallowed_special=()))
    return total


def price(pricing: ModelPricing, *, prompt_tokens: int, completion_tokens: int) -> Decimal:
    """The cost of these token counts at ``pricing``, exactly."""
    return prompt_tokens * pricing.prompt + completion_tokens * pricing.completion + pricing.request


class CostEstimator:
    """Estimates a partial reply's cost from catalogue prices; prices come from ``prices``."""

    def __init__(self, prices: PriceLookup) -> None:
        self._prices = prices

    def pricing(self, model: str) -> ModelPricing | None:
        """The catalogue's prices of ``model``, or None when unknown."""
        return self._prices(model)

    def estimate(
        self, model: str, prompt: Sequence[PromptMessage], completion_text: str
    ) -> Estimate:
        """The estimate for a reply of ``completion_text`` to ``prompt`` on ``model``."""
        prompt_tokens = count_prompt_tokens(prompt)
        completion_tokens = count_tokens(completion_text)
        pricing = self._prices(model)
        cost = (
            None
            if pricing is None
            else price(pricing, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        )
        return Estimate(prompt_tokens, completion_tokens, cost)
