"""Realistic OpenRouter wire data shared by the upstream tests."""

from __future__ import annotations

from decimal import Decimal

from neural_terminal.domain.chat import (
    ChatRequest,
    PromptMessage,
    StreamChunk,
    TextDelta,
    Usage,
    UsageReport,
)

API_KEY = "sk-or-v1-0123456789abcdef-test-key"
BASE_URL = "https://openrouter.test/api/v1"
APP_URL = "http://localhost:3000"
APP_TITLE = "Neural Terminal"
GENERATION_ID = "gen-1778031306-UD7bR0I1JNCsPvVzlXat"
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}

REQUEST = ChatRequest(
    model="openai/gpt-4o-mini",
    messages=(
        PromptMessage("system", "You are terse."),
        PromptMessage("user", "Say hello in three scripts."),
    ),
)


def _chunk(delta: str, finish_reason: str = "null") -> str:
    return (
        f'{{"id":"{GENERATION_ID}","object":"chat.completion.chunk","created":1778031306,'
        f'"model":"openai/gpt-4o-mini","provider":"Azure","choices":[{{"index":0,'
        f'"delta":{{"role":"assistant","content":{delta}}},"finish_reason":{finish_reason},'
        f'"native_finish_reason":{finish_reason}}}]}}'
    )


USAGE_CHUNK = (
    f'{{"id":"{GENERATION_ID}","object":"chat.completion.chunk","created":1778031306,'
    '"model":"openai/gpt-4o-mini","provider":"Azure","choices":[],"usage":{"prompt_tokens":21,'
    '"completion_tokens":9,"total_tokens":30,"cost":0.0000123,"is_byok":false,'
    '"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},'
    '"cost_details":{"upstream_inference_cost":null},'
    '"completion_tokens_details":{"reasoning_tokens":2,"image_tokens":0}}}'
)

# What OpenRouter sends for one short reply: a keep-alive comment, a role-only first delta,
# text with multi-byte characters, the finish reason, the usage chunk, then [DONE]. CRLF line
# endings (which the SSE spec allows) so that a split between CR and LF is exercised too.
STREAM_EVENTS = [
    ": OPENROUTER PROCESSING",
    "data: " + _chunk('""'),
    "data: " + _chunk('"Héllo"'),
    "data: " + _chunk('", 中文"'),
    ": OPENROUTER PROCESSING",
    "data: " + _chunk('" and 🚀👩‍💻."'),
    "data: " + _chunk('""', '"stop"'),
    "data: " + USAGE_CHUNK,
    "data: [DONE]",
]
STREAM_BODY = "".join(f"{event}\r\n\r\n" for event in STREAM_EVENTS).encode("utf-8")

EXPECTED_CHUNKS: list[StreamChunk] = [
    TextDelta("Héllo"),
    TextDelta(", 中文"),
    TextDelta(" and 🚀👩‍💻."),
    UsageReport(
        Usage(
            prompt_tokens=21,
            completion_tokens=9,
            reasoning_tokens=2,
            cached_tokens=4,
            cost=Decimal("0.0000123"),
        ),
        finish_reason="stop",
    ),
]


def sse(*events: str) -> bytes:
    """An SSE body from ``data:`` payloads and ``:`` comments, LF line endings."""
    return "".join(
        f"{event}\n\n" if event.startswith(":") else f"data: {event}\n\n" for event in events
    ).encode()


def text_chunk(text: str, *, chunk_id: str = GENERATION_ID) -> str:
    """One chunk's data carrying ``text``."""
    return f'{{"id":"{chunk_id}","choices":[{{"index":0,"delta":{{"content":"{text}"}}}}]}}'
