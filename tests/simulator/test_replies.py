"""Reply text: deterministic, readable, markdown on request, /echo and directives."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx
import pytest
import tiktoken

from neural_terminal.simulator.replying.replies import reply_text, wants_markdown

from .reading import body, exact, stream


def _content(client: httpx.Client, content: str, **extra: Any) -> str:
    response = client.post("/chat/completions", json=body(content, **extra))
    assert response.status_code == 200, response.text
    text = exact(response.text)["choices"][0]["message"]["content"]
    assert isinstance(text, str)
    return text


def test_same_conversation_same_reply(client: httpx.Client) -> None:
    first = _content(client, "Why do streams end with DONE?")
    assert _content(client, "Why do streams end with DONE?") == first
    assert _content(client, "Why do cursors blink?") != first


def test_reply_quotes_the_topic(client: httpx.Client) -> None:
    assert "Why do cursors blink" in _content(client, "Why do cursors blink?")


@pytest.mark.parametrize("seed", range(40))
def test_default_reply_is_60_to_120_tokens(encoding: tiktoken.Encoding, seed: int) -> None:
    prompt = f"Tell me how a terminal handles message number {seed}"
    text = reply_text(prompt, hashlib.sha256(prompt.encode()).digest())
    assert 60 <= len(encoding.encode(text)) <= 120
    assert "```" not in text


@pytest.mark.parametrize(
    "prompt",
    [
        "Show me some code for parsing SSE",
        "Answer in markdown please",
        "Give an example of a retry loop",
        "List the parts of a stream",
    ],
)
def test_markdown_reply_has_heading_list_and_code(client: httpx.Client, prompt: str) -> None:
    assert wants_markdown(prompt)
    text = _content(client, prompt)
    assert re.search(r"^#{1,2} \S", text, re.MULTILINE)
    assert re.search(r"^- \S", text, re.MULTILINE)
    assert re.search(r"^```python\n.+?\n```$", text, re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("<script>alert('x')</script><b>bold</b>", id="html"),
        pytest.param("  two leading spaces, a tab\tand\nnew lines  ", id="whitespace"),
        pytest.param("**not markdown** `[[x]]` <|endoftext|>", id="special-token-text"),
    ],
)
def test_echo_is_verbatim(client: httpx.Client, text: str) -> None:
    assert _content(client, f"/echo {text}") == text
    assert stream(client, body(f"/echo {text}")).content == text


@pytest.mark.parametrize("count", [0, 1, 7, 250])
def test_tokens_directive_gives_exactly_n_tokens(client: httpx.Client, count: int) -> None:
    seen = stream(client, body(f"Pad me [[sim:tokens={count}]]"))
    assert len(seen.deltas) == count
    assert seen.final["usage"]["completion_tokens"] == count
    assert "[[sim:" not in seen.content


def test_directives_are_stripped_before_the_reply_is_chosen(client: httpx.Client) -> None:
    plain = _content(client, "What is latency?")
    assert _content(client, "What is latency?[[sim:rate=3000]]") == plain


@pytest.mark.parametrize(
    "directive",
    [
        "[[sim:tokens=many]]",
        "[[sim:rate=0]]",
        "[[sim:colour=red]]",
        "[[sim:fault=explode]]",
        "[[sim:markdown=yes]]",
        "[[sim:record=soon]]",
    ],
)
def test_bad_directives_are_400(client: httpx.Client, directive: str) -> None:
    response = client.post("/chat/completions", json=body(f"hi {directive}"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400


def test_markdown_directive_pads_with_markdown_blocks(client: httpx.Client) -> None:
    seen = stream(client, body("What is latency? [[sim:markdown=on]] [[sim:tokens=1500]]"))
    assert len(seen.deltas) == 1500
    text = seen.content
    assert text.startswith("# ")  # a markdown reply though the prompt did not ask for one
    assert text.count("```python\n") >= 2  # code fences (their snippets hold blank lines)
    assert re.search(r"^- \S", text, re.MULTILINE)
    assert re.search(r"^1\. \S", text, re.MULTILINE)
    assert re.search(r"^> \S", text, re.MULTILINE)
    assert re.search(r"^\|---:\|---:\|$", text, re.MULTILINE)
    again = stream(client, body("What is latency? [[sim:markdown=on]] [[sim:tokens=1500]]"))
    assert again.content == text  # deterministic, like every simulated reply
    assert "```" not in _content(client, "What is latency? [[sim:markdown=off]]")
