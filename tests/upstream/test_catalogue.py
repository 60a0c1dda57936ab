"""The /models catalogue: exact per-token prices, lenient with odd entries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.upstream.catalogue import parse_models
from neural_terminal.upstream.wire import ShapeError, loads

GPT = {
    "id": "openai/gpt-3.5-turbo",
    "name": "OpenAI: GPT-3.5 Turbo",
    "context_length": 16385,
    "pricing": {
        "prompt": "0.0000015",
        "completion": "0.000002",
        "request": "0",
        "image": "0",
        "input_cache_read": "0.00000075",
        "internal_reasoning": "0",
    },
}


def test_prices_are_exact_decimals_per_token() -> None:
    (model,) = parse_models({"data": [GPT]})
    assert model == ModelInfo(
        id="openai/gpt-3.5-turbo",
        name="OpenAI: GPT-3.5 Turbo",
        context_length=16385,
        pricing=ModelPricing(
            prompt=Decimal("0.0000015"),
            completion=Decimal("0.000002"),
            input_cache_read=Decimal("0.00000075"),
        ),
    )
    # Per token, never per thousand: 1000 prompt tokens cost 1000 x the listed price.
    assert 1000 * model.pricing.prompt == Decimal("0.0015")


def test_json_numbers_are_exact_too() -> None:
    (model,) = parse_models(loads('{"data": [{"id": "m", "pricing": {"prompt": 0.0000001}}]}'))
    assert model.pricing.prompt == Decimal("0.0000001")


def test_missing_fields_have_defaults() -> None:
    (model,) = parse_models({"data": [{"id": "free/model"}]})
    assert model == ModelInfo(id="free/model", name="free/model", context_length=0)
    assert model.pricing.is_free


def test_context_length_falls_back_to_the_top_provider() -> None:
    entry = {"id": "m", "context_length": None, "top_provider": {"context_length": 8192}}
    assert parse_models({"data": [entry]})[0].context_length == 8192


@pytest.mark.parametrize(
    "entry",
    [
        pytest.param("openai/gpt-4", id="not-an-object"),
        pytest.param({"name": "No id"}, id="no-id"),
        pytest.param({"id": 42}, id="numeric-id"),
        pytest.param({"id": "m", "pricing": {"prompt": "free"}}, id="price-not-a-number"),
        pytest.param({"id": "m", "pricing": "cheap"}, id="pricing-not-an-object"),
        pytest.param({"id": "openrouter/auto", "pricing": {"prompt": "-1"}}, id="variable-price"),
    ],
)
def test_a_malformed_entry_is_skipped_not_fatal(entry: object) -> None:
    models = parse_models({"data": [entry, GPT]})
    assert [m.id for m in models] == ["openai/gpt-3.5-turbo"]


@pytest.mark.parametrize("payload", [[], {"data": None}, {"models": []}, "nope"])
def test_a_body_without_a_data_list_is_a_shape_error(payload: object) -> None:
    with pytest.raises(ShapeError):
        parse_models(payload)
