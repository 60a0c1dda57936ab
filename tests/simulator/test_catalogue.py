"""GET /models: OpenRouter's shape, prices as exact decimal strings."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from neural_terminal.simulator.records.catalogue import PRICE_FIELDS, find_model

from .reading import body, exact

EXPECTED = {
    "sim/terminal-small": (16_384, {"prompt": "0.0000005", "completion": "0.0000015"}),
    "sim/terminal-large": (
        128_000,
        {
            "prompt": "0.000003",
            "completion": "0.000015",
            "request": "0.0001",
            "input_cache_read": "0.0000003",
        },
    ),
    "sim/terminal-free:free": (8_192, {}),
    "sim/tiny-window": (1_024, {"prompt": "0.000001", "completion": "0.000002"}),
    "phosphor/echo-mini": (32_768, {"prompt": "0.00000025", "completion": "0.00000125"}),
}


@pytest.fixture
def listing(client: httpx.Client) -> dict[str, dict[str, object]]:
    response = client.get("/models")
    assert response.status_code == 200
    return {model["id"]: model for model in exact(response.text)["data"]}


def test_lists_exactly_the_simulated_models(listing: dict[str, dict[str, object]]) -> None:
    assert sorted(listing) == sorted(EXPECTED)


@pytest.mark.parametrize("model_id", sorted(EXPECTED))
def test_model_entry_has_openrouter_shape(
    listing: dict[str, dict[str, object]], model_id: str
) -> None:
    model = listing[model_id]
    context_length, _ = EXPECTED[model_id]
    assert isinstance(model["name"], str)
    assert model["name"]
    assert isinstance(model["description"], str)
    assert model["description"]
    assert isinstance(model["created"], int)
    assert model["context_length"] == context_length
    assert model["architecture"] == {
        "modality": "text->text",
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "tokenizer": "GPT",
        "instruct_type": None,
    }
    top = model["top_provider"]
    assert isinstance(top, dict)
    assert top["context_length"] == context_length
    assert isinstance(top["max_completion_tokens"], int)
    assert top["is_moderated"] is False


@pytest.mark.parametrize("model_id", sorted(EXPECTED))
def test_prices_are_decimal_strings_per_token(
    listing: dict[str, dict[str, object]], model_id: str
) -> None:
    pricing = listing[model_id]["pricing"]
    assert isinstance(pricing, dict)
    assert set(pricing) == set(PRICE_FIELDS)
    _, expected = EXPECTED[model_id]
    for name in PRICE_FIELDS:
        assert isinstance(pricing[name], str), name
        assert "e" not in pricing[name].lower(), name
        assert Decimal(pricing[name]) == Decimal(expected.get(name, "0")), name
    for name, text in expected.items():
        assert pricing[name] == text


def test_fault_models_are_priced_like_terminal_small() -> None:
    fault_model = find_model("sim/fault-http-429")
    small = find_model("sim/terminal-small")
    assert fault_model is not None
    assert small is not None
    assert fault_model.id == "sim/fault-http-429"
    assert (fault_model.prompt, fault_model.completion) == (small.prompt, small.completion)
    assert find_model("sim/fault-") is None
    assert find_model("openai/gpt-4o") is None


def test_unknown_model_is_a_400_with_openrouter_error_body(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("hi", model="acme/nonexistent"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert "acme/nonexistent" in error["message"]
    assert error["metadata"] == {}


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"messages": [{"role": "user", "content": "hi"}]}, id="no-model"),
        pytest.param({"model": "sim/terminal-small", "messages": []}, id="no-messages"),
        pytest.param(
            {
                "model": "sim/terminal-small",
                "messages": [{"role": "user", "content": "hi"}],
                "max_tokens": 0,
            },
            id="zero-max-tokens",
        ),
    ],
)
def test_invalid_requests_are_400(client: httpx.Client, payload: dict[str, object]) -> None:
    response = client.post("/chat/completions", json=payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


def test_body_that_is_not_json_is_400(client: httpx.Client) -> None:
    response = client.post("/chat/completions", content=b"{nope")
    assert response.status_code == 400


def test_too_long_for_the_context_window_is_400(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("word " * 2_000, model="sim/tiny-window"))
    assert response.status_code == 400
    assert "maximum context length is 1024 tokens" in response.json()["error"]["message"]
