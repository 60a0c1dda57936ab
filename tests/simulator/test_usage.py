"""Usage and cost: OpenAI's prompt-token recipe, exact Decimal cost, GET /generation."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import httpx
import pytest
import tiktoken

from neural_terminal.simulator.records.catalogue import find_model

from .reading import body, exact, stream


@pytest.mark.parametrize(
    "model_id",
    ["sim/terminal-small", "sim/terminal-large", "sim/terminal-free:free", "sim/tiny-window"],
)
def test_cost_is_an_exact_decimal_number(client: httpx.Client, model_id: str) -> None:
    response = client.post("/chat/completions", json=body("What do tokens cost?", model=model_id))
    assert response.status_code == 200
    raw_cost = response.text.split('"cost":', 1)[1].split(",", 1)[0]
    assert "e" not in raw_cost.lower()  # never exponent notation, never a string
    usage = exact(response.text)["usage"]
    model = find_model(model_id)
    assert model is not None
    expected = (
        usage["prompt_tokens"] * model.prompt
        + usage["completion_tokens"] * model.completion
        + model.request
    )
    assert Decimal(raw_cost) == expected
    assert usage["cost"] == expected


def test_cost_digits_are_exact_on_the_wire(client: httpx.Client) -> None:
    # Prompt: 3 framing + "user" 1 + "/echo x" 3 + primer 3 = 10 tokens.
    # 10 * 0.0000005 + 1 * 0.0000015 = 0.0000065, which a float would print as 6.5e-06.
    request = body("/echo x")
    response = client.post("/chat/completions", json=request)
    usage = exact(response.text)["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (10, 1)
    assert '"cost":0.0000065,' in response.text


def test_prompt_tokens_follow_openai_recipe(
    client: httpx.Client, encoding: tiktoken.Encoding
) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a terse terminal."},
        {"role": "user", "content": "Hello there", "name": "ada"},
        {"role": "assistant", "content": "Hi."},
        {"role": "user", "content": [{"type": "text", "text": "How many tokens is this?"}]},
    ]
    expected = 3  # the reply primer
    for message in messages:
        content = message["content"]
        text = content if isinstance(content, str) else content[0]["text"]
        expected += 3 + len(encoding.encode(message["role"])) + len(encoding.encode(text))
        if "name" in message:
            expected += len(encoding.encode(message["name"])) + 1
    payload = {"model": "sim/terminal-small", "messages": messages}
    response = client.post("/chat/completions", json=payload)
    assert response.json()["usage"]["prompt_tokens"] == expected


def test_generation_reports_a_finished_stream(client: httpx.Client) -> None:
    request = body("Explain keep-alive comments", model="sim/terminal-large")
    with client.stream("POST", "/chat/completions", json={**request, "stream": True}) as r:
        generation_id = r.headers["x-generation-id"]
        r.read()
    usage = stream(client, request).final["usage"]  # same prompt, same reply, same usage
    response = client.get("/generation", params={"id": generation_id})
    assert response.status_code == 200
    data = exact(response.text)["data"]
    assert data["id"] == generation_id
    assert data["model"] == "sim/terminal-large"
    assert data["cancelled"] is False
    assert data["tokens_prompt"] == usage["prompt_tokens"]
    assert data["tokens_completion"] == usage["completion_tokens"]
    assert data["total_cost"] == usage["cost"]


def test_a_record_directive_makes_the_generation_answer_late(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("Say it [[sim:record=0.4]]"))
    started = time.monotonic()
    data = exact(client.get("/generation", params={"id": response.headers["x-generation-id"]}).text)
    assert time.monotonic() - started >= 0.3
    assert data["data"]["total_cost"] == exact(response.text)["usage"]["cost"]


def test_generation_reports_a_non_streamed_reply(client: httpx.Client) -> None:
    response = client.post("/chat/completions", json=body("Say something short"))
    data = exact(client.get("/generation", params={"id": response.headers["x-generation-id"]}).text)
    assert data["data"]["streamed"] is False
    assert data["data"]["total_cost"] == exact(response.text)["usage"]["cost"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"id": "gen-sim-000000"}, 404, id="unknown"),
        pytest.param({}, 400, id="missing"),
    ],
)
def test_generation_errors(client: httpx.Client, params: dict[str, str], status: int) -> None:
    response = client.get("/generation", params=params)
    assert response.status_code == status
    assert response.json()["error"]["code"] == status
