"""Cost arithmetic: every price component, per-token semantics, billed versus computed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.costing import CostSource, TokenUsage, bill, compute_cost
from neural_terminal.domain.models import ModelPricing
from neural_terminal.upstream.catalogue import parse_models


def _listed(**pricing: str) -> ModelPricing:
    body = {"data": [{"id": "m", "name": "M", "context_length": 1000, "pricing": pricing}]}
    return parse_models(body)[0].pricing


def test_prices_are_per_token_not_per_thousand() -> None:
    # The original plan divided by 1,000 as if per 1K tokens: wrong for OpenRouter.
    pricing = _listed(prompt="0.0000015", completion="0")
    assert compute_cost(pricing, TokenUsage(prompt=1_000)) == Decimal("0.0015")


def test_prices_are_parsed_exactly_from_strings() -> None:
    pricing = _listed(
        prompt="0.000000000123",
        completion="0.0000150",
        request="0.0001",
        input_cache_read="0.0000003",
        input_cache_write="0.00000375",
        internal_reasoning="0.00001",
    )
    assert pricing == ModelPricing(
        prompt=Decimal("0.000000000123"),
        completion=Decimal("0.000015"),
        request=Decimal("0.0001"),
        input_cache_read=Decimal("0.0000003"),
        input_cache_write=Decimal("0.00000375"),
        internal_reasoning=Decimal("0.00001"),
    )
    assert all(isinstance(getattr(pricing, f), Decimal) for f in ("prompt", "request"))


FULL = ModelPricing(
    prompt=Decimal("0.000003"),
    completion=Decimal("0.000015"),
    request=Decimal("0.0001"),
    input_cache_read=Decimal("0.0000003"),
    internal_reasoning=Decimal("0.00002"),
)


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        pytest.param(TokenUsage(), "0.0001", id="request-fee-only"),
        pytest.param(TokenUsage(prompt=1000), "0.0031", id="prompt"),
        pytest.param(TokenUsage(completion=100), "0.0016", id="completion"),
        pytest.param(TokenUsage(prompt=1000, cached=400), "0.00202", id="cached-at-cache-read"),
        pytest.param(
            TokenUsage(completion=100, reasoning=40), "0.0018", id="reasoning-at-its-price"
        ),
        pytest.param(
            TokenUsage(prompt=1000, completion=100, reasoning=40, cached=400),
            "0.00372",
            id="every-component",
        ),
        pytest.param(TokenUsage(prompt=10, cached=50), "0.000103", id="cached-capped-at-prompt"),
    ],
)
def test_each_component_at_its_own_price(usage: TokenUsage, expected: str) -> None:
    assert compute_cost(FULL, usage) == Decimal(expected)


def test_without_cache_and_reasoning_prices_the_parent_price_applies() -> None:
    plain = ModelPricing(prompt=Decimal("0.000001"), completion=Decimal("0.000002"))
    usage = TokenUsage(prompt=100, completion=50, reasoning=20, cached=30)
    assert compute_cost(plain, usage) == Decimal("0.0002")


def test_the_reported_cost_is_billed_and_the_computed_kept_beside_it() -> None:
    result = bill(Decimal("0.0042"), FULL, TokenUsage(prompt=1000))
    assert (result.billed, result.computed, result.source) == (
        Decimal("0.0042"),
        Decimal("0.0031"),
        CostSource.UPSTREAM,
    )
    assert not result.is_estimate


def test_without_a_reported_cost_the_computed_one_is_billed() -> None:
    result = bill(None, FULL, TokenUsage(prompt=1000))
    assert (result.billed, result.source) == (Decimal("0.0031"), CostSource.COMPUTED)


def test_no_report_and_no_price_bills_nothing_known() -> None:
    result = bill(None, None, TokenUsage(prompt=1000))
    assert (result.billed, result.computed) == (None, None)
