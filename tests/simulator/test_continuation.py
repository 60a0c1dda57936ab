"""Continuing a reply: a trailing assistant message is a prefix; the rest of the reply follows."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from neural_terminal.simulator.requests.faults import (
    DropAfter,
    HttpFault,
    Stall,
    StallMid,
    after_prefix,
)

from .reading import body, stream

INSTRUCTION = {"role": "system", "content": "Continue from where you stopped."}


def _continuation(question: str, prefix: str) -> dict[str, Any]:
    request = body(question)
    request["messages"] += [INSTRUCTION, {"role": "assistant", "content": prefix}]
    return request


@pytest.mark.parametrize("cut", [0, 1, 5, 17])
def test_a_prefix_the_simulator_wrote_continues_with_exactly_the_rest(
    client: httpx.Client, cut: int
) -> None:
    question = "[[sim:tokens=30]] tell me about terminals"
    whole = stream(client, body(question))
    prefix = "".join(whole.deltas[:cut])

    rest = stream(client, _continuation(question, prefix))

    assert prefix + rest.content == whole.content
    assert rest.done


def test_a_drop_is_not_met_again_when_the_reply_is_continued_past_it(
    client: httpx.Client,
) -> None:
    question = "[[sim:tokens=30]][[sim:fault=drop-after-8]] tell me a story"
    whole = stream(client, body("[[sim:tokens=30]] tell me a story"))
    prefix = "".join(whole.deltas[:8])  # what the dropped stream delivered

    rest = stream(client, _continuation(question, prefix))

    assert rest.done
    assert prefix + rest.content == whole.content


def test_an_unknown_prefix_gets_fresh_text(client: httpx.Client) -> None:
    rest = stream(client, _continuation("hello", "Something I never said"))
    assert rest.done
    assert rest.content.strip()


def test_a_continuation_is_billed_for_the_prefix_as_prompt(client: httpx.Client) -> None:
    short = stream(client, _continuation("[[sim:tokens=30]] hi", "A"))
    longer = stream(client, _continuation("[[sim:tokens=30]] hi", "A" + " word" * 50))
    assert longer.final["usage"]["prompt_tokens"] > short.final["usage"]["prompt_tokens"] + 40


@pytest.mark.parametrize(
    ("fault", "done", "expected"),
    [
        pytest.param(DropAfter(8), 8, None, id="drop-reached"),
        pytest.param(DropAfter(8), 3, DropAfter(5), id="drop-ahead"),
        pytest.param(StallMid(4, 1.0), 4, None, id="stall-mid-reached"),
        pytest.param(Stall(1.0), 4, Stall(1.0), id="stall-before-first-byte"),
        pytest.param(HttpFault(429), 4, HttpFault(429), id="http"),
        pytest.param(DropAfter(0), 0, DropAfter(0), id="no-prefix"),
    ],
)
def test_fault_positions_count_from_the_start_of_the_reply(
    fault: Any, done: int, expected: Any
) -> None:
    assert after_prefix(fault, done) == expected


@pytest.mark.parametrize(
    "mode", ["drop-after-3-times-1", "error-after-3-times-1", "stall-0.01-times-1"]
)
def test_stream_faults_take_times_k_too(client: httpx.Client, mode: str) -> None:
    request = body(f"[[sim:fault={mode}]] once only ({mode})", stream=True)
    with client.stream("POST", "/chat/completions", json=request) as first:
        try:
            first_text = first.read().decode()
        except httpx.RemoteProtocolError:
            first_text = ""
    second = stream(client, request)
    assert second.done
    if mode.startswith("error"):
        assert '"error"' in first_text
