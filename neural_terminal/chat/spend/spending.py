"""Pre-flight estimates and the reservation a reply streams under.

Pre-flight: the prompt tokens of the context that would actually be sent (stored counts, as
the context window chooses them, plus the new message) x prompt price, plus the expected
completion (the request's max_tokens, else a configurable default) x completion price, plus
any per-request price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.chat.context.builder import ContextBuilder
from neural_terminal.chat.spend.budget import BudgetGuard, BudgetStatus
from neural_terminal.chat.spend.estimate import CostEstimator, price
from neural_terminal.chat.spend.watch import SpendWatch
from neural_terminal.domain.chat import PromptMessage
from neural_terminal.store.tables import Conversation
from neural_terminal.tokens.counter import REPLY_PRIMER_TOKENS

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
        context: ContextBuilder,
        expected_reply_tokens: int,
    ) -> None:
        self._guard = guard
        self._estimator = estimator
        self._context = context
        self._expected = expected_reply_tokens

    @property
    def guard(self) -> BudgetGuard:
        """The budget guard."""
        return self._guard

    def preflight(self, conversation: Conversation | None, model: str, text: str) -> Preflight:
        """The estimate for sending ``text`` now in ``conversation`` (None: a new one)."""
        window = self._context.window_now(conversation.model if conversation else model)
        tokens = self._context.counter.count_message("user", text, window.encoding)
        if conversation is not None and conversation.id is not None:
            history = self._context.preview(conversation).prompt_tokens
        else:
            history = REPLY_PRIMER_TOKENS
        # The window cuts what does not fit, so no request is ever larger than it.
        prompt = min(history + tokens, max(window.tokens, tokens))
        return self._priced(window.model, prompt)

    def preflight_of(self, model: str, prompt: Sequence[PromptMessage]) -> Preflight:
        """The estimate for a request whose prompt is already built (Continue, Retry)."""
        return self._priced(model, self._estimator.prompt_tokens(model, prompt))

    def check(self, conversation_id: int | None, estimate: Preflight) -> BudgetStatus:
        """OverBudget when ``estimate`` must not be sent (no reservation is made)."""
        return self._guard.check(conversation_id, estimate.cost_usd or ZERO)

    def open_watch(
        self, conversation_id: int, estimate: Preflight, *, carried: Decimal | None = None
    ) -> SpendWatch:
        """Check and reserve atomically (OverBudget when refused); the reply's watch."""
        amount = estimate.cost_usd or ZERO
        reservation = self._guard.reserve(conversation_id, amount, carried=carried or ZERO)
        return SpendWatch(
            self._guard,
            conversation_id=conversation_id,
            reservation_id=reservation,
            reserved=amount + (carried or ZERO),
        )

    def _priced(self, model: str, prompt_tokens: int) -> Preflight:
        pricing = self._estimator.pricing(model)
        cost = (
            None
            if pricing is None
            else price(pricing, prompt_tokens=prompt_tokens, completion_tokens=self._expected)
        )
        return Preflight(model, prompt_tokens, self._expected, cost)
