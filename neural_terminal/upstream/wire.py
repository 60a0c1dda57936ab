"""OpenRouter's JSON shapes: the request body we send, and the values we read back.

Every non-integer number is parsed with ``parse_float=Decimal`` so a cost such as
``0.0000123`` never passes through float (STYLE.md: money is Decimal from the wire on).
Readers raise :class:`ShapeError`; callers turn it into the domain error that fits where the
JSON came from (a stream chunk, a completion, the model list).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from neural_terminal.domain.chat import ChatRequest, Usage, UsageReport


class ShapeError(ValueError):
    """JSON that is invalid, or valid but not the shape OpenRouter documents."""


def _refuse_constant(name: str) -> object:
    # json accepts NaN and Infinity by default; no price or count can be either.
    raise ShapeError(f"non-finite number {name}")


# Built once: json.loads with options builds a decoder on every call, and a reply parses
# one chunk per token.
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def loads(text: str | bytes) -> object:
    """Parse JSON with non-integers as exact ``Decimal``; NaN and Infinity are refused."""
    try:
        if isinstance(text, bytes):  # as json.loads reads bytes: UTF-8, -16 or -32
            text = text.decode(json.detect_encoding(text), "surrogatepass")
        return _DECODER.decode(text)
    except ShapeError:
        raise
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, deep nesting
        raise ShapeError(f"invalid JSON: {exc}") from exc


def preview(text: str | bytes, limit: int = 200) -> str:
    """A short, single-line excerpt of a payload for an error's ``detail``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def mapping(value: object, what: str) -> dict[str, Any]:
    """``value`` as a JSON object, or :class:`ShapeError`."""
    if not isinstance(value, dict):
        raise ShapeError(f"{what} is not an object: {type(value).__name__}")
    return value


def optional_mapping(value: object, what: str) -> dict[str, Any]:
    """Like :func:`mapping`, but ``null`` or absent reads as an empty object."""
    return {} if value is None else mapping(value, what)


def optional_str(value: object, what: str) -> str | None:
    """``value`` as a string, ``None`` when null, or :class:`ShapeError`."""
    if value is None or isinstance(value, str):
        return value
    raise ShapeError(f"{what} is not a string: {type(value).__name__}")


def count(value: object, what: str) -> int:
    """A token count: a non-negative integer, ``0`` when null or absent."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ShapeError(f"{what} is not a token count: {value!r}")
    return value


def decimal(value: object, what: str) -> Decimal:
    """An exact amount from a JSON number or decimal string (OpenRouter sends both)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, str)):
        raise ShapeError(f"{what} is not a number: {value!r}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation as exc:
        raise ShapeError(f"{what} is not a number: {value!r}") from exc
    if not amount.is_finite():
        raise ShapeError(f"{what} is not finite: {value!r}")
    return amount


def chat_body(request: ChatRequest, *, stream: bool) -> dict[str, Any]:
    """The JSON body of ``POST /chat/completions`` for ``request``."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "stream": stream,
        # Ask for tokens and cost in the final chunk:
        # https://openrouter.ai/docs/use-cases/usage-accounting
        "usage": {"include": True},
    }
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    return body


def parse_usage(value: object) -> Usage:
    """Read OpenRouter's ``usage`` object; absent counts are 0, absent cost is ``None``."""
    usage = mapping(value, "usage")
    prompt_details = optional_mapping(usage.get("prompt_tokens_details"), "prompt_tokens_details")
    completion_details = optional_mapping(
        usage.get("completion_tokens_details"), "completion_tokens_details"
    )
    cost = usage.get("cost")
    return Usage(
        prompt_tokens=count(usage.get("prompt_tokens"), "usage.prompt_tokens"),
        completion_tokens=count(usage.get("completion_tokens"), "usage.completion_tokens"),
        reasoning_tokens=count(completion_details.get("reasoning_tokens"), "reasoning_tokens"),
        cached_tokens=count(prompt_details.get("cached_tokens"), "cached_tokens"),
        cost=None if cost is None else decimal(cost, "usage.cost"),
    )


def parse_completion(payload: object) -> tuple[str, UsageReport | None]:
    """The reply text and usage of a non-streaming ``chat/completions`` response."""
    body = mapping(payload, "completion")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise ShapeError("completion has no choices")
    choice = mapping(choices[0], "choices[0]")
    message = optional_mapping(choice.get("message"), "choices[0].message")
    text = optional_str(message.get("content"), "choices[0].message.content") or ""
    finish_reason = optional_str(choice.get("finish_reason"), "choices[0].finish_reason")
    raw_usage = body.get("usage")
    report = None if raw_usage is None else UsageReport(parse_usage(raw_usage), finish_reason)
    return text, report
