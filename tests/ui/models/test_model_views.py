"""The picker's rows: prices per million tokens exactly, the window, free models marked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.models import ModelInfo, ModelPricing
from neural_terminal.ui.models.model_views import ModelView, model_prices, model_view

PRICED = ModelPricing(prompt=Decimal("0.0000005"), completion=Decimal("0.0000015"))


def test_model_prices_are_per_million_tokens() -> None:
    model = ModelInfo(id="a/b", name="B", context_length=16384, pricing=PRICED)
    assert model_prices(model) == "in $0.5/M · out $1.5/M · 16,384 ctx"


def test_prices_keep_every_digit_the_catalogue_gives() -> None:
    exact = ModelPricing(prompt=Decimal("0.000000123456789"), completion=Decimal("0.00006"))
    model = ModelInfo(id="a/b", name="B", context_length=200_000, pricing=exact)
    assert model_prices(model) == "in $0.123456789/M · out $60/M · 200,000 ctx"


@pytest.mark.parametrize(
    ("model", "shown"),
    [
        pytest.param(
            ModelInfo(id="f", name="F", context_length=8192), "free · 8,192 ctx", id="zero"
        ),
        pytest.param(
            ModelInfo(id="a/b:free", name="B", context_length=8192, pricing=PRICED),
            "free · in $0.5/M · out $1.5/M · 8,192 ctx",
            id="free-suffix-with-a-price",
        ),
        pytest.param(
            ModelInfo(id="a/b", name="B", context_length=0), "free · window unknown", id="no-window"
        ),
    ],
)
def test_free_models_are_marked(model: ModelInfo, shown: str) -> None:
    assert model_prices(model) == shown
    assert model_view(model).free


def test_a_row_carries_the_id_the_name_and_the_figures() -> None:
    model = ModelInfo(id="openai/gpt-4o", name="GPT-4o", context_length=128_000, pricing=PRICED)
    assert model_view(model) == ModelView(
        id="openai/gpt-4o", label="GPT-4o", prices="in $0.5/M · out $1.5/M · 128,000 ctx"
    )
    assert model_view(ModelInfo(id="x/y", name="", context_length=1)).label == "x/y"
