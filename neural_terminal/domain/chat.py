"""What we send upstream and what comes back while a reply streams."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class PromptMessage:
    """One message of the prompt in OpenAI chat format."""

    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion request, independent of the wire format."""

    model: str
    messages: tuple[PromptMessage, ...]
    max_tokens: int | None = None
    temperature: float | None = None


@dataclass(frozen=True)
class TextDelta:
    """A piece of the reply's text, in order."""

    text: str


@dataclass(frozen=True)
class Usage:
    """Token counts and cost the upstream reports in the final chunk."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cost: Decimal | None = None


@dataclass(frozen=True)
class UsageReport:
    """The final usage chunk of a stream, and why the reply finished."""

    usage: Usage
    finish_reason: str | None = None


StreamChunk = TextDelta | UsageReport
