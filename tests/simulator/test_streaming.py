"""Streamed completions over real HTTP: shape, content, pacing, aborts."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
import tiktoken

from tests import virtual_time

from .reading import body, exact, read_lines, stream
from .timed import post_stream

CHUNK_KEYS = {"id", "provider", "model", "object", "created", "choices"}
CHOICE_KEYS = {"index", "delta", "finish_reason", "native_finish_reason", "logprobs"}


def test_stream_has_openrouter_shape(client: httpx.Client) -> None:
    request = body("How do terminals show streamed text?", model="sim/terminal-large")
    with client.stream("POST", "/chat/completions", json={**request, "stream": True}) as r:
        generation_id = r.headers["x-generation-id"]
        lines = list(r.iter_lines())
    assert re.fullmatch(r"gen-sim-[0-9a-f]+", generation_id)
    assert lines[0] == ": OPENROUTER PROCESSING"
    seen = read_lines(lines)
    assert seen.done
    assert not seen.after_done
    assert len(seen.deltas) > 10
    for event in seen.events:
        assert set(event) >= CHUNK_KEYS
        assert (event["id"], event["model"]) == (generation_id, "sim/terminal-large")
        assert (event["object"], event["provider"]) == ("chat.completion.chunk", "Simulator")
        (choice,) = event["choices"]
        assert set(choice) == CHOICE_KEYS
        assert choice["delta"]["role"] == "assistant"
    *deltas, final = seen.events
    assert all(event["choices"][0]["finish_reason"] is None for event in deltas)
    assert all("usage" not in event for event in deltas)
    assert final["choices"][0]["finish_reason"] == "stop"
    assert final["choices"][0]["delta"]["content"] == ""
    usage = final["usage"]
    assert usage["completion_tokens"] == len(seen.deltas)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["is_byok"] is False
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0}
    assert usage["completion_tokens_details"] == {"reasoning_tokens": 0}


def test_joined_deltas_equal_the_non_streamed_content(client: httpx.Client) -> None:
    request = body("What is a token, and why does it cost money?")
    whole = client.post("/chat/completions", json=request)
    assert whole.status_code == 200
    completion = exact(whole.text)
    assert completion["object"] == "chat.completion"
    (choice,) = completion["choices"]
    assert choice["finish_reason"] == "stop"
    streamed = stream(client, request)
    assert streamed.content == choice["message"]["content"]
    assert streamed.final["usage"] == completion["usage"]


def test_every_token_is_one_chunk_and_multibyte_text_survives(
    client: httpx.Client, encoding: tiktoken.Encoding
) -> None:
    text = "naïve café 🙂 日本語 “quoted” — done…"
    seen = stream(client, body(f"/echo {text}"))
    assert seen.content == text
    assert len(seen.deltas) == len(encoding.encode(text))
    assert seen.final["usage"]["completion_tokens"] == len(encoding.encode(text))


def test_max_tokens_cuts_the_reply_with_finish_reason_length(client: httpx.Client) -> None:
    seen = stream(client, body("Tell me about streams", max_tokens=5))
    assert len(seen.deltas) == 5
    assert seen.final["choices"][0]["finish_reason"] == "length"
    assert seen.final["usage"]["completion_tokens"] == 5
    whole = client.post("/chat/completions", json=body("Tell me about streams", max_tokens=5))
    assert whole.json()["choices"][0]["finish_reason"] == "length"
    assert whole.json()["choices"][0]["message"]["content"] == seen.content


def test_deltas_are_paced_at_the_requested_rate() -> None:
    request = body("[[sim:rate=200]][[sim:tokens=60]] pace me")
    times = virtual_time.run(post_stream(request)).delta_times()
    assert len(times) == 60
    # Token i is due i/200 s after the first, exactly, on the simulator's own clock.
    assert [at - times[0] for at in times] == pytest.approx([i / 200 for i in range(60)])


def test_slow_writes_make_bigger_batches_not_a_slower_stream() -> None:
    # Each write takes 2 ms (4 tokens' worth at 2,000/s): a sleep per token would take
    # 1,000 x 2.5 ms = 2.5 s; following the schedule, the last token is at most one write late.
    request = body("[[sim:rate=2000]][[sim:tokens=1000]] go fast")
    timed = virtual_time.run(post_stream(request, write_cost_s=0.002))
    times = timed.delta_times()
    assert len(times) == 1000
    assert times[-1] - times[0] <= 999 / 2000 + 2 * 0.002
    assert len(timed.writes) < 400  # batched: tokens that fell due during a write go together


def test_aborted_stream_is_billed_for_the_tokens_sent(client: httpx.Client) -> None:
    request = body("[[sim:rate=100]][[sim:tokens=500]] long story", model="sim/terminal-large")
    received = 0
    with client.stream("POST", "/chat/completions", json={**request, "stream": True}) as r:
        generation_id = r.headers["x-generation-id"]
        for line in r.iter_lines():
            if line.startswith("data: "):
                received += 1
            if received == 5:
                break  # leaving the block closes the connection mid-stream
    data = exact(client.get("/generation", params={"id": generation_id}).text)["data"]
    assert data["cancelled"] is True
    assert data["streamed"] is True
    assert 5 <= data["tokens_completion"] < 500
    prompt, completion = data["tokens_prompt"], data["tokens_completion"]
    assert data["total_cost"] == (
        prompt * Decimal("0.000003") + completion * Decimal("0.000015") + Decimal("0.0001")
    )
