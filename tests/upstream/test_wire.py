"""JSON shapes: the request body, exact numbers, usage and completions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from neural_terminal.domain.chat import ChatRequest, PromptMessage, Usage, UsageReport
from neural_terminal.upstream.wire import (
    ShapeError,
    chat_body,
    loads,
    parse_completion,
    parse_usage,
)
from tests.upstream.samples import REQUEST


def test_chat_body_has_model_messages_stream_and_usage_accounting() -> None:
    assert chat_body(REQUEST, stream=True) == {
        "model": "openai/gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say hello in three scripts."},
        ],
        "stream": True,
        "usage": {"include": True},
    }


def test_chat_body_sends_limits_only_when_set() -> None:
    request = ChatRequest("m", (PromptMessage("user", "hi"),), max_tokens=50, temperature=0.0)
    body = chat_body(request, stream=False)
    assert (body["stream"], body["max_tokens"], body["temperature"]) == (False, 50, 0.0)


def test_loads_keeps_fractions_exact() -> None:
    assert loads('{"cost": 0.0000123}') == {"cost": Decimal("0.0000123")}


@pytest.mark.parametrize("text", ["NaN", '{"cost": Infinity}', "{", b"\xff\xfe", "[" * 100_000])
def test_loads_refuses_what_is_not_finite_json(text: str | bytes) -> None:
    with pytest.raises(ShapeError):
        loads(text)


def test_usage_reads_counts_details_and_exact_cost() -> None:
    usage = parse_usage(
        loads(
            '{"prompt_tokens": 10, "completion_tokens": 5, "cost": 0.00042,'
            ' "completion_tokens_details": {"reasoning_tokens": 3},'
            ' "prompt_tokens_details": {"cached_tokens": 7}}'
        )
    )
    assert usage == Usage(10, 5, reasoning_tokens=3, cached_tokens=7, cost=Decimal("0.00042"))


def test_usage_without_details_or_cost_reads_zero_and_none() -> None:
    assert parse_usage({"prompt_tokens": 1}) == Usage(prompt_tokens=1, cost=None)


@pytest.mark.parametrize(
    "usage",
    [
        pytest.param({"prompt_tokens": "ten"}, id="count-is-string"),
        pytest.param({"prompt_tokens": -1}, id="count-negative"),
        pytest.param({"prompt_tokens": True}, id="count-is-bool"),
        pytest.param({"cost": "lots"}, id="cost-not-a-number"),
        pytest.param({"cost": [1]}, id="cost-is-list"),
        pytest.param({"completion_tokens_details": 3}, id="details-not-object"),
        pytest.param([], id="usage-not-object"),
    ],
)
def test_usage_of_the_wrong_shape_is_a_shape_error(usage: object) -> None:
    with pytest.raises(ShapeError):
        parse_usage(usage)


def test_completion_reads_text_and_usage() -> None:
    payload = loads(
        '{"id": "gen-1", "choices": [{"message": {"role": "assistant", "content": "Sum."},'
        ' "finish_reason": "stop"}], "usage": {"prompt_tokens": 3, "completion_tokens": 1,'
        ' "cost": 0.000001}}'
    )
    assert parse_completion(payload) == (
        "Sum.",
        UsageReport(Usage(3, 1, cost=Decimal("0.000001")), finish_reason="stop"),
    )


@pytest.mark.parametrize("payload", [{}, {"choices": []}, {"choices": ["x"]}, []])
def test_completion_without_a_choice_is_a_shape_error(payload: object) -> None:
    with pytest.raises(ShapeError):
        parse_completion(payload)
