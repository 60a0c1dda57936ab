"""The body of ``POST /chat/completions``, validated into small frozen dataclasses."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class BadRequest(ValueError):
    """The request cannot be served; the message is sent back as a 400 error body."""


@dataclass(frozen=True)
class Message:
    """One chat message, with multi-part content flattened to its text."""

    role: str
    content: str
    name: str | None = None


@dataclass(frozen=True)
class ChatRequest:
    """The parts of an OpenAI/OpenRouter chat request the simulator looks at."""

    model: str
    messages: tuple[Message, ...]
    stream: bool = False
    max_tokens: int | None = None

    @property
    def last_user_index(self) -> int | None:
        """Index of the last message with role ``user``, where directives are read."""
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index].role == "user":
                return index
        return None


def parse_chat_request(body: object) -> ChatRequest:
    """Validate a decoded JSON body, raising :class:`BadRequest` with a readable reason."""
    if not isinstance(body, Mapping):
        raise BadRequest("Request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("`model` is required and must be a string")
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise BadRequest("`messages` must be a non-empty array")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("`stream` must be a boolean")
    return ChatRequest(
        model=model,
        messages=tuple(_message(item, index) for index, item in enumerate(raw_messages)),
        stream=stream,
        max_tokens=_max_tokens(body),
    )


def _message(item: object, index: int) -> Message:
    if not isinstance(item, Mapping):
        raise BadRequest(f"messages[{index}] must be an object")
    role, name = item.get("role"), item.get("name")
    if not isinstance(role, str) or not role:
        raise BadRequest(f"messages[{index}].role must be a string")
    if name is not None and not isinstance(name, str):
        raise BadRequest(f"messages[{index}].name must be a string")
    return Message(role=role, content=_content_text(item.get("content"), index), name=name)


def _content_text(content: object, index: int) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    # Multi-part content (https://openrouter.ai/docs/api-reference/overview): keep the text parts.
    if isinstance(content, Sequence):
        texts = [
            part["text"]
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        ]
        return "".join(texts)
    raise BadRequest(f"messages[{index}].content must be a string or an array of parts")


def _max_tokens(body: Mapping[str, object]) -> int | None:
    value = body.get("max_tokens", body.get("max_completion_tokens"))
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest("`max_tokens` must be a positive integer")
    return value


def conversation_digest(messages: Sequence[Message]) -> bytes:
    """SHA-256 over the messages; the seed of the reply and the key of ``-times-K`` faults."""
    canonical = json.dumps(
        [[message.role, message.content, message.name] for message in messages],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).digest()
