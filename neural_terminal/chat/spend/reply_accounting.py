"""A reply's accounting: what it carries from before, and its tokens and cost after a run.

Cost provenance, most authoritative first: the upstream's ``usage.cost``; usage priced from
the catalogue when the upstream sent no cost; our own token count when it sent no usage at all
(the stream broke off). The estimate is kept beside a billed figure so the drift is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.domain.chat import ChatRequest, UsageReport
from neural_terminal.domain.conversations import StoredMessage
from neural_terminal.domain.costing import CostSource, TokenUsage, bill

N = TypeVar("N", int, Decimal)


@dataclass(frozen=True)
class Carried:
    """What a reply being continued already holds: its text and its accounting so far."""

    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: Decimal | None = None
    cost_is_estimate: bool = False
    cost_source: str | None = None
    computed_cost_usd: Decimal | None = None
    first_token_ms: int | None = None
    total_ms: int | None = None

    @classmethod
    def of(cls, message: StoredMessage) -> Carried:
        """The stored state of ``message``."""
        return cls(
            text=message.content,
            prompt_tokens=message.prompt_tokens,
            completion_tokens=message.completion_tokens,
            cost_usd=message.cost_usd,
            cost_is_estimate=message.cost_is_estimate,
            cost_source=message.cost_source,
            computed_cost_usd=message.computed_cost_usd,
            first_token_ms=message.first_token_ms,
            total_ms=message.total_ms,
        )


@dataclass(frozen=True)
class Accounts:
    """A reply's tokens and cost as stored: billed, computed, the estimate and the source."""

    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: Decimal | None
    is_estimate: bool
    source: str | None
    computed_usd: Decimal | None = None
    estimate_usd: Decimal | None = None

    @property
    def drift_usd(self) -> Decimal | None:
        """Billed minus our estimate for this run (None while the cost is itself estimated)."""
        if self.source in (None, CostSource.ESTIMATE.value) or self.estimate_usd is None:
            return None
        billed = self.cost_usd
        return None if billed is None else billed - self.estimate_usd


def account(
    estimator: CostEstimator,
    request: ChatRequest,
    carried: Carried,
    new_text: str,
    report: UsageReport | None,
) -> Accounts:
    """Carried accounting plus this run's: reported, computed or estimated."""
    estimate = estimator.estimate(request.model, request.messages, new_text) if new_text else None
    if report is not None:
        usage = report.usage
        tokens = TokenUsage(
            usage.prompt_tokens,
            usage.completion_tokens,
            usage.reasoning_tokens,
            usage.cached_tokens,
        )
        billed = bill(usage.cost, estimator.pricing(request.model), tokens)
        new: Accounts | None = Accounts(
            usage.prompt_tokens,
            usage.completion_tokens,
            billed.billed,
            False,
            billed.source.value,
            billed.computed,
            estimate.cost_usd if estimate else None,
        )
    elif estimate is not None:
        cost = estimate.cost_usd
        new = Accounts(
            estimate.prompt_tokens,
            estimate.completion_tokens,
            cost,
            True,
            CostSource.ESTIMATE.value,
            cost,
            cost,
        )
    else:
        new = None  # nothing was generated in this run: nothing billed
    if new is None:
        return Accounts(
            carried.prompt_tokens,
            carried.completion_tokens,
            carried.cost_usd,
            carried.cost_is_estimate,
            carried.cost_source,
            carried.computed_cost_usd,
        )
    return Accounts(
        plus(carried.prompt_tokens, new.prompt_tokens),
        plus(carried.completion_tokens, new.completion_tokens),
        plus(carried.cost_usd, new.cost_usd),
        carried.cost_is_estimate or new.is_estimate,
        new.source,
        plus(carried.computed_cost_usd, new.computed_usd),
        new.estimate_usd,
    )


def plus(carried: N | None, new: N | None) -> N | None:
    """Carried plus new, where either may be unknown."""
    if carried is None:
        return new
    if new is None:
        return carried
    return carried + new
