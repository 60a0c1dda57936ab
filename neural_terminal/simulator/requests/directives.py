"""``[[sim:key=value]]`` directives that tests and demos put in the last user message.

``tokens=N`` (reply length), ``rate=R`` (tokens per second), ``fault=MODE`` (faults.py),
``markdown=on|off``, and ``record=S``: ``GET /generation`` answers only S seconds after the
generation ended (OpenRouter's record of a generation can lag its stream).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from neural_terminal.simulator.requests.chat_request import BadRequest, ChatRequest, Message

_DIRECTIVE = re.compile(r"\[\[sim:([a-z]+)=([^\]]*)\]\]")


@dataclass(frozen=True)
class Directives:
    """What the last user message asked of the simulator."""

    tokens: int | None = None
    rate: float | None = None
    fault: str | None = None
    # ``[[sim:markdown=on]]``: a markdown reply, padded (with ``tokens``) with markdown blocks.
    markdown: bool = False
    # ``[[sim:record=S]]``: the generation's record answers S seconds after it ended.
    record_delay_s: float = 0.0


def extract_directives(text: str) -> tuple[str, Directives]:
    """``text`` with every directive removed, and the directives it held."""
    tokens: int | None = None
    rate: float | None = None
    fault: str | None = None
    markdown = False
    record_delay_s = 0.0
    for key, value in _DIRECTIVE.findall(text):
        if key == "tokens":
            if not value.isdigit():
                raise BadRequest(f"[[sim:tokens=N]] needs a whole number, got {value!r}")
            tokens = int(value)
        elif key == "rate":
            rate = _positive_float(value, "rate=R")
        elif key == "fault":
            fault = value.strip()
        elif key == "markdown":
            if value not in ("on", "off"):
                raise BadRequest(f"[[sim:markdown=on|off]] needs on or off, got {value!r}")
            markdown = value == "on"
        elif key == "record":
            record_delay_s = _positive_float(value, "record=S")
        else:
            raise BadRequest(f"unknown simulator directive [[sim:{key}=...]]")
    return _DIRECTIVE.sub("", text), Directives(
        tokens=tokens, rate=rate, fault=fault, markdown=markdown, record_delay_s=record_delay_s
    )


def strip_request(request: ChatRequest) -> tuple[tuple[Message, ...], Directives]:
    """The messages with directives removed from the last user message, and those directives."""
    index = request.last_user_index
    if index is None:
        return request.messages, Directives()
    message = request.messages[index]
    text, directives = extract_directives(message.content)
    messages = list(request.messages)
    messages[index] = Message(role=message.role, content=text, name=message.name)
    return tuple(messages), directives


def _positive_float(value: str, form: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(f"[[sim:{form}]] needs a number, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise BadRequest(f"[[sim:{form}]] needs a positive number, got {value!r}")
    return number
