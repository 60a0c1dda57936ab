"""Token counts as the simulator's models are counted (cl100k_base), for expectations."""

from __future__ import annotations

from collections.abc import Sequence

from neural_terminal.domain.chat import PromptMessage
from neural_terminal.tokens.counter import CL100K, TokenCounter


def count_tokens(text: str) -> int:
    """cl100k_base tokens of ``text``: the simulator's models' encoding."""
    return TokenCounter().count_text(text, CL100K)


def count_prompt_tokens(prompt: Sequence[PromptMessage]) -> int:
    """Prompt tokens by the chat recipe in cl100k_base."""
    return TokenCounter().count_prompt(prompt, CL100K)
