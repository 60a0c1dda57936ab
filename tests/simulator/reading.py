"""Helpers the simulator tests share: request bodies and reading SSE bodies as a client would."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

KEEPALIVE = ": OPENROUTER PROCESSING"


def body(content: str, *, model: str = "sim/terminal-small", **extra: Any) -> dict[str, Any]:
    """A chat request with one user message."""
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def exact(text: str) -> Any:
    """Parse JSON with every non-integer number as an exact Decimal."""
    return json.loads(text, parse_float=Decimal)


@dataclass
class ReadStream:
    """What a client saw on an SSE body, in order."""

    comments: list[str] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    raw_data: list[str] = field(default_factory=list)
    done: bool = False
    after_done: list[str] = field(default_factory=list)

    @property
    def deltas(self) -> list[str]:
        """The content of every chunk that carries text (not the final one)."""
        return [
            event["choices"][0]["delta"]["content"]
            for event in self.events
            if "error" not in event and event["choices"][0]["finish_reason"] is None
        ]

    @property
    def content(self) -> str:
        """The joined deltas."""
        return "".join(self.deltas)

    @property
    def final(self) -> Any:
        """The last JSON event."""
        return self.events[-1]


def read_lines(lines: Iterable[str], into: ReadStream | None = None) -> ReadStream:
    """Sort SSE lines into comments, JSON events, unparsable data and ``[DONE]``."""
    seen = into or ReadStream()
    for line in lines:
        if not line:
            continue
        if seen.done:
            seen.after_done.append(line)
        elif line.startswith(":"):
            seen.comments.append(line)
        elif line == "data: [DONE]":
            seen.done = True
        else:
            assert line.startswith("data: "), line
            data = line.removeprefix("data: ")
            seen.raw_data.append(data)
            with contextlib.suppress(json.JSONDecodeError):
                seen.events.append(exact(data))
    return seen


def stream(client: httpx.Client, request: dict[str, Any], **kwargs: Any) -> ReadStream:
    """POST a streamed request and read its whole body."""
    with client.stream(
        "POST", "/chat/completions", json={**request, "stream": True}, **kwargs
    ) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        return read_lines(r.iter_lines())
