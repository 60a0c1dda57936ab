"""Pre-flight estimates and the reservation a reply streams under.

Pre-flight: the prompt tokens of the context that would actually be sent (the turn's context
plan: stored counts, as the window chooses them, plus the new message) x prompt price, plus
the expected completion (a configurable default) x completion price, plus any per-request
price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.chat.spend.budget import BudgetGuard, BudgetStatus
from neural_terminal.chat.spend.estimate import CostEstimator, price
from neural_terminal.chat.spend.watch import SpendWatch

ZERO = Decimal(0)


@dataclass(frozen=True)
class Preflight:
    """What sending now would cost, about (``cost_usd`` None: the model's price is unknown)."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal | None


class Spending:
    """Estimates sends before they go and opens the SpendWatch a reply streams under."""

    def __init__(
        self,
        *,
        guard: BudgetGuard,
        estimator: CostEstimator,
        expected_reply_tokens: int,
    ) -> None:
        self._guard = guard
        self._estimator = estimator
        self._expected = expected_reply_tokens

    @property
    def guard(self) -> BudgetGuard:
        """The budget guard."""
        return self._guard

    def priced(self, model: str, prompt_tokens: int) -> Preflight:
        """The estimate for a request of ``prompt_tokens`` on ``model`` and the expected reply."""
        pricing = self._estimator.pricing(model)
        cost = (
            None
            if pricing is None
            else price(pricing, prompt_tokens=prompt_tokens, completion_tokens=self._expected)
        )
        return Preflight(model, prompt_tokens, self._expected, cost)

    def check(self, conversation_id: int | None, estimate: Preflight) -> BudgetStatus:
        """OverBudget when ``estimate`` must not be sent (no reservation is made)."""
        return self._guard.check(conversation_id, estimate.cost_usd or ZERO)

    def open_watch(
        self, conversation_id: int, estimate: Preflight, *, carried: Decimal | None = None
    ) -> SpendWatch:
        """Check and reserve atomically (OverBudget when refused); the reply's watch."""
        amount = estimate.cost_usd or ZERO
        reservation, allowance = self._guard.reserve_with_allowance(
            conversation_id, amount, carried=carried or ZERO
        )
        return SpendWatch(
            self._guard,
            conversation_id=conversation_id,
            reservation_id=reservation,
            reserved=amount + (carried or ZERO),
            allowance=allowance,
        )
