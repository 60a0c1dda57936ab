"""Estimates count with the one token counter and price with the bills' one formula."""

from __future__ import annotations

from decimal import Decimal

from neural_terminal.chat.spend.estimate import CostEstimator
from neural_terminal.chat.spend.live_cost import LiveCost
from neural_terminal.domain.chat import PromptMessage
from neural_terminal.domain.costing import TokenUsage, compute_cost
from neural_terminal.domain.models import ModelPricing
from neural_terminal.tokens.counter import CL100K, O200K, TokenCounter

PRICING = ModelPricing(
    prompt=Decimal("0.0000025"), completion=Decimal("0.00001"), request=Decimal("0.0001")
)
PROMPT = (PromptMessage(role="user", content="naïve café résumé — 東京 🙂 " * 20),)
REPLY = "Plusieurs caractères accentués et des idéogrammes 漢字 " * 10


def test_each_model_is_counted_in_its_own_encoding() -> None:
    counter = TokenCounter()
    estimator = CostEstimator(lambda _model: PRICING, counter)

    assert estimator.prompt_tokens("openai/gpt-4o", PROMPT) == counter.count_prompt(PROMPT, O200K)
    assert estimator.prompt_tokens("openai/gpt-4", PROMPT) == counter.count_prompt(PROMPT, CL100K)
    assert counter.count_prompt(PROMPT, O200K) != counter.count_prompt(PROMPT, CL100K)


def test_an_estimate_is_priced_like_a_bill() -> None:
    estimate = CostEstimator(lambda _model: PRICING).estimate("openai/gpt-4o", PROMPT, REPLY)

    usage = TokenUsage(prompt=estimate.prompt_tokens, completion=estimate.completion_tokens)
    assert estimate.cost_usd == compute_cost(PRICING, usage)
    assert estimate.cost_usd is not None
    assert estimate.cost_usd > PRICING.request  # the request fee is in, once


def test_the_live_cost_ends_where_a_full_recount_does_for_whole_words() -> None:
    estimator = CostEstimator(lambda _model: PRICING)
    live = LiveCost.start(estimator, "openai/gpt-4o", PROMPT)
    assert live is not None
    for word in ["Hello", " there", ",", " friend", "."]:
        live.add(word)

    assert live.cost == estimator.estimate("openai/gpt-4o", PROMPT, "Hello there, friend.").cost_usd
    assert LiveCost.start(CostEstimator(lambda _model: None), "m", PROMPT) is None


def test_the_live_cost_is_the_bills_formula_at_every_count() -> None:
    reasoning_priced = ModelPricing(
        prompt=Decimal("0.0000025"),
        completion=Decimal("0.00001"),
        request=Decimal("0.0001"),
        internal_reasoning=Decimal("0.00003"),  # a live reply counts no reasoning tokens
    )
    live = LiveCost.start(CostEstimator(lambda _model: reasoning_priced), "openai/gpt-4o", PROMPT)
    assert live is not None
    for word in ["Hello", " there", ",", " friend", "." * 40]:
        live.add(word)
        usage = TokenUsage(prompt=live.prompt_tokens, completion=live.completion_tokens)
        assert live.cost == compute_cost(reasoning_priced, usage)
