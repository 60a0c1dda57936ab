"""The command table: completion of names and of model ids."""

from __future__ import annotations

import pytest

from neural_terminal.chat.commands import COMMANDS, complete, match_models, registry_rows

MODELS = [
    ("openai/gpt-4o", "OpenAI: GPT-4o Omni"),
    ("openai/gpt-4o-mini", "OpenAI: GPT-4o mini"),
    ("anthropic/claude-3.5-sonnet", "Anthropic: Claude 3.5 Sonnet"),
    ("meta/llama:free", "Meta: Llama (free)"),
]
IDS = [model_id for model_id, _ in MODELS]


@pytest.mark.parametrize(
    ("draft", "names"),
    [
        pytest.param("/", [c.name for c in COMMANDS], id="slash-lists-all"),
        pytest.param("/st", ["strategy", "stats"], id="prefix-two"),
        pytest.param("/ST", ["strategy", "stats"], id="prefix-case"),
        pytest.param("/new", ["new"], id="whole-name"),
        pytest.param("/x", [], id="no-match"),
        pytest.param("/model gpt", [], id="name-typed"),
        pytest.param("hello", [], id="not-a-command"),
    ],
)
def test_complete(draft: str, names: list[str]) -> None:
    assert [spec.name for spec in complete(draft)] == names


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        pytest.param("openai/gpt-4o", ["openai/gpt-4o"], id="exact-id-alone"),
        pytest.param("gpt", ["openai/gpt-4o", "openai/gpt-4o-mini"], id="substring"),
        pytest.param("4o MINI", ["openai/gpt-4o-mini"], id="words-any-case"),
        pytest.param("free", ["meta/llama:free"], id="free"),
        pytest.param("omni", ["openai/gpt-4o"], id="name"),
        pytest.param("anthropic", ["anthropic/claude-3.5-sonnet"], id="provider"),
        pytest.param("openai mini", ["openai/gpt-4o-mini"], id="provider-and-name"),
        pytest.param("", IDS, id="empty-lists-all"),
        pytest.param("mistral", [], id="none"),
    ],
)
def test_match_models(search: str, expected: list[str]) -> None:
    assert match_models(search, MODELS) == expected


def test_every_usage_starts_with_its_name() -> None:
    for row in registry_rows():
        assert row["usage"].startswith("/" + row["name"])
        assert row["summary"]
