"""The running cost estimate of a reply in flight, updated per delta without re-encoding.

The prompt is counted once when the reply starts; each delta's tokens are counted on their own
and added up (the model's encoding, like spend/estimate.py). Split counting can differ from a
count of the whole text by a token at a seam; the stored estimate is always a full recount.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.chat.spend.estimate import CostEstimator, price
from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.models import ModelPricing


@dataclass
class LiveCost:
    """Prompt tokens (fixed) and completion tokens so far, at the model's prices."""

    pricing: ModelPricing
    prompt_tokens: int
    count: Callable[[str], int]
    completion_tokens: int = 0

    def __post_init__(self) -> None:
        # The bills' formula is linear in the completion tokens: the prompt's part (and the
        # request fee) is priced once, each delta then costs one multiplication.
        self._prompt_cost = price(
            self.pricing, prompt_tokens=self.prompt_tokens, completion_tokens=0
        )

    @classmethod
    def start(
        cls, estimator: CostEstimator, model: str, prompt: Sequence[PromptMessage]
    ) -> LiveCost | None:
        """A tracker for a reply to ``prompt``; None when the model has no known price."""
        pricing = estimator.pricing(model)
        if pricing is None:
            return None
        prompt_tokens = estimator.prompt_tokens(model, prompt)
        return cls(pricing, prompt_tokens, estimator.text_counter(model))

    def add(self, text: str) -> None:
        """Count a delta."""
        self.completion_tokens += self.count(text)

    @property
    def cost(self) -> Decimal:
        """The estimate so far, exactly (what ``price`` gives for the same counts)."""
        return self._prompt_cost + self.completion_tokens * self.pricing.completion
