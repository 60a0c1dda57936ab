"""Turning the data of OpenRouter's server-sent events into typed chunks: pure, no I/O.

The framing (lines, ``data:`` fields, ``:`` comments such as ``: OPENROUTER PROCESSING``) is
sse_frames.py's job, per https://html.spec.whatwg.org/multipage/server-sent-events.html; this
module only sees each event's data. Chunk shapes, the ``[DONE]`` sentinel and mid-stream
errors: https://openrouter.ai/docs/api/reference/streaming
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from neural_terminal.domain.chat import StreamChunk, TextDelta, UsageReport
from neural_terminal.domain.errors import MalformedStream, StreamErrorPayload
from neural_terminal.upstream.errors import read_provider_error, redact
from neural_terminal.upstream.wire import (
    ShapeError,
    loads,
    mapping,
    optional_mapping,
    optional_str,
    parse_usage,
    preview,
)

DONE = "[DONE]"


@dataclass(frozen=True)
class ParsedChunk:
    """What one event's data carried."""

    id: str | None = None
    chunks: tuple[StreamChunk, ...] = ()
    finish_reason: str | None = None


def parse_chunk(data: str, *, secret: str | None = None) -> ParsedChunk | None:
    """Decode one event's data; ``None`` means ``[DONE]``, the end of the reply.

    Raises :class:`StreamErrorPayload` for an ``error`` object and :class:`MalformedStream`
    for anything that is not a chunk, never another exception. ``secret`` (the API key) is
    masked in whatever provider text ends up in the error.
    """
    if data.strip() == DONE:
        return None
    try:
        return _read_chunk(mapping(loads(data), "chunk"), secret)
    except ShapeError as exc:
        excerpt = redact(preview(data), secret)
        raise MalformedStream(detail=f"{redact(str(exc), secret)}; data={excerpt!r}") from exc


def _read_chunk(chunk: dict[str, object], secret: str | None) -> ParsedChunk:
    if chunk.get("error") is not None:
        # Mid-stream errors keep HTTP 200 and arrive as a chunk with an ``error`` object.
        error = read_provider_error(chunk["error"], secret=secret)
        raise StreamErrorPayload(
            error.user_message(StreamErrorPayload.default_message),
            detail=error.detail(None),
            code=error.code,
        )
    text, finish_reason = _first_choice(chunk.get("choices"))
    parts: list[StreamChunk] = [TextDelta(text)] if text else []
    # OpenAI-style servers send ``"usage": null`` on every chunk but the last.
    if chunk.get("usage") is not None:
        parts.append(UsageReport(parse_usage(chunk["usage"]), finish_reason))
    return ParsedChunk(optional_str(chunk.get("id"), "id"), tuple(parts), finish_reason)


def _first_choice(choices: object) -> tuple[str | None, str | None]:
    # The usage chunk may carry ``"choices": []``; we never ask for n > 1 choices.
    if choices is None:
        return None, None
    if not isinstance(choices, list):
        raise ShapeError(f"choices is not a list: {type(choices).__name__}")
    if not choices:
        return None, None
    choice = mapping(choices[0], "choices[0]")
    delta = optional_mapping(choice.get("delta"), "choices[0].delta")
    return (
        optional_str(delta.get("content"), "choices[0].delta.content"),
        optional_str(choice.get("finish_reason"), "choices[0].finish_reason"),
    )


class StreamDecoder:
    """Feeds event data through :func:`parse_chunk`, remembering what spans chunks."""

    def __init__(self, generation_id: str | None = None, *, secret: str | None = None) -> None:
        self.generation_id = generation_id
        self._secret = secret
        self.done = False
        self._finish_reason: str | None = None

    def feed(self, data: str) -> tuple[StreamChunk, ...]:
        """The chunks in one event's data; after ``[DONE]`` ``done`` is true."""
        parsed = parse_chunk(data, secret=self._secret)
        if parsed is None:
            self.done = True
            return ()
        if self.generation_id is None:
            self.generation_id = parsed.id
        # The finish reason usually arrives a chunk before the usage does.
        self._finish_reason = parsed.finish_reason or self._finish_reason
        return tuple(self._with_finish_reason(chunk) for chunk in parsed.chunks)

    def _with_finish_reason(self, chunk: StreamChunk) -> StreamChunk:
        if isinstance(chunk, UsageReport) and chunk.finish_reason is None:
            return replace(chunk, finish_reason=self._finish_reason)
        return chunk
