"""Model-aware token counting with OpenAI's chat recipe, offline.

Recipe (openai-cookbook, "How to count tokens with tiktoken"): every message costs 3 tokens of
framing plus its role and content, and the reply is primed with 3 more. OpenAI models use the
encoding they were trained with; every other family (Claude, Llama, Gemini, Mistral, ...) has
its own tokenizer that tiktoken does not ship, so cl100k_base stands in and the count is
labelled approximate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import tiktoken

from neural_terminal.domain.chat import PromptMessage
from neural_terminal.tokens.encodings import get_encoding

TOKENS_PER_MESSAGE = 3
REPLY_PRIMER_TOKENS = 3
CL100K = "cl100k_base"
O200K = "o200k_base"

_O200K_FAMILIES = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4")
_CL100K_FAMILIES = ("gpt-4", "gpt-3.5", "gpt-35")
# The built-in simulator counts prompts with cl100k_base, so its models are counted exactly.
_EXACT_CL100K_VENDORS = ("sim",)


@dataclass(frozen=True)
class TokenScheme:
    """Which encoding counts a model's tokens, and whether that count is only an estimate."""

    encoding: str
    approximate: bool


def model_name(model_id: str) -> tuple[str, str]:
    """``("openai", "gpt-4o")`` from ``openai/gpt-4o:free``; vendor is "" when absent."""
    base = model_id.strip().lower().split(":", 1)[0]
    vendor, _, name = base.rpartition("/")
    return vendor, name


def _in_family(name: str, families: Iterable[str]) -> bool:
    # "o1" must match "o1" and "o1-mini", never "o10x"; "gpt-4" must not match "gpt-4o".
    return any(name == f or name.startswith(f + "-") or name.startswith(f + ".") for f in families)


def scheme_for(model_id: str) -> TokenScheme:
    """The encoding for ``model_id``: o200k/cl100k for OpenAI families, else approximate."""
    vendor, name = model_name(model_id)
    if _in_family(name, _O200K_FAMILIES):
        return TokenScheme(O200K, approximate=False)
    if _in_family(name, _CL100K_FAMILIES):
        return TokenScheme(CL100K, approximate=False)
    if vendor in _EXACT_CL100K_VENDORS:
        return TokenScheme(CL100K, approximate=False)
    return TokenScheme(CL100K, approximate=True)


class TokenCounter:
    """Counts text, messages and whole prompts; encoders load once per process."""

    def scheme(self, model_id: str) -> TokenScheme:
        """The encoding used for ``model_id``."""
        return scheme_for(model_id)

    def encoding(self, name: str) -> tiktoken.Encoding:
        """The tiktoken encoding ``name`` (loaded once, from the provisioned files)."""
        return get_encoding(name)

    def encode(self, text: str, encoding: str) -> list[int]:
        """Token ids; special-token text like ``<|endoftext|>`` counts as plain text."""
        return self.encoding(encoding).encode(text, disallowed_special=())

    def text_counter(self, encoding: str) -> Callable[[str], int]:
        """``count_text`` for one encoding, resolved once (a reply counts every delta)."""
        encode = self.encoding(encoding).encode_ordinary  # special-token text as plain text

        def count(text: str) -> int:
            return len(encode(text))

        return count

    def count_text(self, text: str, encoding: str) -> int:
        """Tokens of ``text`` alone."""
        return len(self.encode(text, encoding)) if text else 0

    def count_message(self, role: str, content: str, encoding: str) -> int:
        """Tokens one message adds to a prompt: framing, role and content."""
        return (
            TOKENS_PER_MESSAGE
            + self.count_text(role, encoding)
            + self.count_text(content, encoding)
        )

    def count_prompt(self, messages: Iterable[PromptMessage], encoding: str) -> int:
        """Prompt tokens of ``messages``, reply primer included."""
        return REPLY_PRIMER_TOKENS + sum(
            self.count_message(m.role, m.content, encoding) for m in messages
        )
