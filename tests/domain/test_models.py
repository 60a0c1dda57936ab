"""A model's provider (before the slash of its id) and whether it is free."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.models import ModelInfo, ModelPricing


@pytest.mark.parametrize(
    ("model_id", "provider"),
    [
        pytest.param("openai/gpt-4o", "openai", id="provider"),
        pytest.param("meta-llama/llama-3-8b:free", "meta-llama", id="free-variant"),
        pytest.param("openrouter/auto", "openrouter", id="router"),
        pytest.param("local-model", "", id="no-slash"),
    ],
)
def test_the_provider_is_the_id_before_its_slash(model_id: str, provider: str) -> None:
    assert ModelInfo(id=model_id, name="", context_length=0).provider == provider


@pytest.mark.parametrize(
    ("model_id", "pricing", "free"),
    [
        pytest.param("a/b", ModelPricing(), True, id="nothing-charged"),
        pytest.param("a/b:free", ModelPricing(prompt=Decimal("1e-7")), True, id="free-suffix"),
        pytest.param("a/b", ModelPricing(completion=Decimal("1e-7")), False, id="out-charged"),
        pytest.param("a/b", ModelPricing(request=Decimal("0.001")), False, id="request-fee"),
        pytest.param("a/free", ModelPricing(prompt=Decimal("1e-7")), False, id="free-in-name-only"),
    ],
)
def test_free_means_nothing_charged_or_a_free_variant(
    model_id: str, pricing: ModelPricing, free: bool
) -> None:
    assert ModelInfo(id=model_id, name="", context_length=0, pricing=pricing).is_free is free
