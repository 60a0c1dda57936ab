"""The JSON objects OpenRouter sends for chat completions: stream chunks, usage, whole replies."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from neural_terminal.simulator.wire import dumps

PROVIDER = "Simulator"


@dataclass(frozen=True)
class Envelope:
    """The fields every chunk of one generation repeats."""

    id: str
    model: str
    created: int

    def fields(self, kind: str) -> dict[str, object]:
        """The leading fields of an object of type ``kind``."""
        return {
            "id": self.id,
            "provider": PROVIDER,
            "model": self.model,
            "object": kind,
            "created": self.created,
        }


def usage_json(prompt_tokens: int, completion_tokens: int, cost: Decimal) -> dict[str, object]:
    """OpenRouter's ``usage`` object; ``cost`` stays a Decimal until :func:`dumps` writes it."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "cost": cost,
        "is_byok": False,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def _choice(content: str, finish_reason: str | None) -> dict[str, object]:
    return {
        "index": 0,
        "delta": {"role": "assistant", "content": content},
        "finish_reason": finish_reason,
        "native_finish_reason": finish_reason,
        "logprobs": None,
    }


def delta_chunk(envelope: Envelope, content: str) -> dict[str, object]:
    """A chunk carrying one token's text."""
    return {**envelope.fields("chat.completion.chunk"), "choices": [_choice(content, None)]}


def final_chunk(
    envelope: Envelope, finish_reason: str, usage: dict[str, object]
) -> dict[str, object]:
    """The last chunk: no text, the finish reason and the usage."""
    return {
        **envelope.fields("chat.completion.chunk"),
        "choices": [_choice("", finish_reason)],
        "usage": usage,
    }


def error_chunk(envelope: Envelope, code: int, message: str) -> dict[str, object]:
    """A mid-stream error: the status stays 200, so the error travels inside the stream."""
    return {
        **envelope.fields("chat.completion.chunk"),
        "error": {"code": code, "message": message},
        "choices": [_choice("", "error")],
    }


def completion_json(
    envelope: Envelope, content: str, finish_reason: str, usage: dict[str, object]
) -> dict[str, object]:
    """A whole non-streamed ``chat.completion``."""
    return {
        **envelope.fields("chat.completion"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": finish_reason,
                "native_finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage,
    }


def sse_event(payload: object) -> bytes:
    """One server-sent event carrying ``payload`` as JSON."""
    return f"data: {dumps(payload)}\n\n".encode()
