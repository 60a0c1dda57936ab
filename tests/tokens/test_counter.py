"""Model-aware token counting: the encoding per family and OpenAI's chat recipe."""

from __future__ import annotations

import pytest

from neural_terminal.domain.chat import PromptMessage
from neural_terminal.simulator.requests.chat_request import Message as SimMessage
from neural_terminal.simulator.requests.tokenising import count_prompt_tokens
from neural_terminal.tokens.counter import CL100K, O200K, TokenCounter, model_name, scheme_for


@pytest.mark.parametrize(
    ("model", "encoding", "approximate"),
    [
        pytest.param("openai/gpt-4o", O200K, False, id="gpt-4o"),
        pytest.param("openai/gpt-4o-mini:free", O200K, False, id="gpt-4o-mini-free"),
        pytest.param("openai/chatgpt-4o-latest", O200K, False, id="chatgpt-4o"),
        pytest.param("openai/gpt-4.1-nano", O200K, False, id="gpt-4.1"),
        pytest.param("openai/gpt-5", O200K, False, id="gpt-5"),
        pytest.param("openai/o1-mini", O200K, False, id="o1"),
        pytest.param("openai/o3", O200K, False, id="o3"),
        pytest.param("openai/o4-mini-high", O200K, False, id="o4"),
        pytest.param("gpt-4o", O200K, False, id="no-vendor"),
        pytest.param("openai/gpt-4", CL100K, False, id="gpt-4"),
        pytest.param("openai/gpt-4-turbo", CL100K, False, id="gpt-4-turbo"),
        pytest.param("openai/gpt-3.5-turbo-0613", CL100K, False, id="gpt-3.5"),
        pytest.param("sim/terminal-small", CL100K, False, id="simulator"),
        pytest.param("anthropic/claude-3.5-sonnet", CL100K, True, id="claude"),
        pytest.param("meta-llama/llama-3.1-8b-instruct:free", CL100K, True, id="llama"),
        pytest.param("google/gemini-2.0-flash", CL100K, True, id="gemini"),
        pytest.param("mistralai/mistral-large", CL100K, True, id="mistral"),
        pytest.param("someone/o10x-model", CL100K, True, id="o1-prefix-is-not-o1"),
        pytest.param("", CL100K, True, id="empty"),
    ],
)
def test_each_family_gets_its_encoding(model: str, encoding: str, approximate: bool) -> None:
    scheme = scheme_for(model)
    assert (scheme.encoding, scheme.approximate) == (encoding, approximate)


def test_model_names_lose_vendor_and_suffix() -> None:
    assert model_name("OpenAI/GPT-4o:free") == ("openai", "gpt-4o")
    assert model_name("gpt-4o") == ("", "gpt-4o")


def test_encoders_load_once_per_process() -> None:
    counter = TokenCounter()
    assert counter.encoding(CL100K) is TokenCounter().encoding(CL100K)
    assert counter.encoding(O200K) is counter.encoding(O200K)


def test_the_two_encodings_differ_where_they_should() -> None:
    counter = TokenCounter()
    text = "Добрый день! 你好，世界。 The quick brown fox 🙂"
    assert counter.count_text(text, O200K) < counter.count_text(text, CL100K)


PROMPT = (
    PromptMessage("system", "You are terse. <|endoftext|> is plain text here."),
    PromptMessage("user", "Hello there, how are you? 🙂 中文 e\u0301"),
    PromptMessage("assistant", "Fine. And you?"),
    PromptMessage("user", ""),
)


def test_a_prompt_counts_like_the_simulator_does() -> None:
    counter = TokenCounter()
    sim = [SimMessage(role=m.role, content=m.content) for m in PROMPT]
    expected = count_prompt_tokens(counter.encoding(CL100K), sim)
    assert counter.count_prompt(PROMPT, CL100K) == expected


def test_the_recipe_adds_framing_per_message_and_a_primer() -> None:
    counter = TokenCounter()
    content = sum(counter.count_text(m.content, O200K) for m in PROMPT)
    assert counter.count_prompt(PROMPT, O200K) == 3 + len(PROMPT) * (3 + 1) + content
    assert counter.count_prompt((), O200K) == 3


@pytest.mark.parametrize("encoding", [CL100K, O200K])
@pytest.mark.parametrize(
    "text", ["", "hello", " w0 w1", "中文 🚀", "<|endoftext|> as text", "a\n\n```py\nx = 1\n```"]
)
def test_a_text_counter_counts_as_count_text_does(encoding: str, text: str) -> None:
    counter = TokenCounter()
    assert counter.text_counter(encoding)(text) == counter.count_text(text, encoding)
