"""Property tests: any valid OpenRouter stream, cut anywhere and framed any legal way, decodes
to the same chunks; garbage either decodes (it may happen to be a legal stream) or raises a
typed stream error, never anything else.

The body goes through the real httpx response and our SSE framing (MockTransport), split into
arbitrary network reads, so line endings (LF, CRLF, CR) may be cut between CR and LF and
multi-byte UTF-8 characters may be cut between their bytes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from neural_terminal.domain.chat import StreamChunk, TextDelta, Usage, UsageReport
from neural_terminal.domain.errors import MalformedStream, StreamError
from neural_terminal.upstream import OpenRouterClient
from tests.upstream.doubles import RecordingStream
from tests.upstream.samples import APP_TITLE, APP_URL, BASE_URL, REQUEST, SSE_HEADERS

ENDINGS = ("\n", "\r\n", "\r")
# Text with the characters that break naive decoders: multi-byte ones, emoji with joiners,
# quotes, backslashes and line breaks (escaped inside the JSON string).
DELTA_TEXT = st.text(
    alphabet=st.sampled_from(list('ab ü中🚀👩\u200d💻"\\\n\r\t:'))
    | st.characters(exclude_categories=["Cs"]),
    max_size=12,
)


def _chunk(text: str) -> dict[str, object]:
    return {"id": "gen-prop", "choices": [{"index": 0, "delta": {"content": text}}]}


USAGE = {
    "id": "gen-prop",
    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 7, "cost": 0.0000123},
}


@st.composite
def framed_streams(draw: st.DrawFn) -> tuple[bytes, list[StreamChunk]]:
    """A valid stream as bytes, and the chunks it must decode to."""
    deltas = draw(st.lists(DELTA_TEXT, max_size=8))
    lines: list[str] = []
    for payload in [*(_chunk(d) for d in deltas), USAGE]:
        if draw(st.booleans()):
            lines.append(": OPENROUTER PROCESSING")
        # Multi-line data: JSON spread over several ``data:`` lines, joined by LF per the spec.
        text = json.dumps(payload, indent=1 if draw(st.booleans()) else None, ensure_ascii=False)
        lines.extend(
            f"data: {part}" if draw(st.booleans()) else f"data:{part}" for part in text.split("\n")
        )
        if draw(st.booleans()):
            lines.append(": a comment between the data and the blank line")
        lines.append("")
    lines.extend(["data: [DONE]", ""])
    body = ""
    previous = ""
    for line in lines:
        ending = draw(st.sampled_from(ENDINGS))
        if previous == "\r" and line == "" and ending == "\n":
            ending = "\r"  # CR then LF would read as one CRLF: a different, also valid, stream
        body += line + ending
        previous = ending
    expected: list[StreamChunk] = [TextDelta(d) for d in deltas if d]
    expected.append(UsageReport(Usage(5, 7, cost=Decimal("0.0000123")), "stop"))
    return body.encode("utf-8"), expected


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]


async def _decode(parts: list[bytes]) -> list[StreamChunk]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE_HEADERS, stream=RecordingStream(parts))

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = OpenRouterClient(
            http, base_url=BASE_URL, api_key=None, app_url=APP_URL, app_title=APP_TITLE
        )
        async with client.stream_chat(REQUEST) as stream:
            return [chunk async for chunk in stream]


@given(stream=framed_streams(), cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_a_valid_stream_decodes_the_same_however_it_is_cut(
    stream: tuple[bytes, list[StreamChunk]], cuts: list[int]
) -> None:
    body, expected = stream
    whole = asyncio.run(_decode([body]))
    assert whole == expected
    assert asyncio.run(_decode(_split(body, cuts))) == whole


def _outcome(parts: list[bytes]) -> list[StreamChunk] | Exception:
    """The chunks a body decodes to, or the exception it raised."""
    try:
        return asyncio.run(_decode(parts))
    except Exception as exc:
        return exc


@given(garbage=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0), max_size=6))
# Found by chance in CI: a complete, empty reply is legal bytes too.
@example(garbage=b"data:[DONE]\n\n", cuts=[]).via("regression: an empty reply is not garbage")
@example(garbage=b"data: [DONE]\r\n\r\n", cuts=[17]).via("regression: CR and LF split")
def test_random_bytes_decode_only_when_ended_and_otherwise_raise_stream_errors(
    garbage: bytes, cuts: list[int]
) -> None:
    whole = _outcome([garbage])
    split = _outcome(_split(garbage, cuts))
    if isinstance(whole, list):
        # Only a stream that said [DONE] ended properly; however it was cut, it reads the same.
        assert b"[DONE]" in garbage
        assert split == whole
    else:
        assert isinstance(whole, StreamError), repr(whole)
        assert isinstance(split, StreamError), repr(split)


@given(payload=st.text(max_size=80).filter(lambda t: "\n" not in t and "\r" not in t))
def test_a_data_line_that_is_not_a_chunk_is_malformed(payload: str) -> None:
    try:
        value = json.loads(payload)
    except ValueError:
        value = None
    outcome = _outcome([f"data: {payload}\n\ndata: [DONE]\n\n".encode()])
    if not payload or payload.strip() == "[DONE]":
        assert outcome == []  # an event without data is skipped; [DONE] is the end
    elif isinstance(value, dict) and value.get("error") is not None:
        assert isinstance(outcome, StreamError), repr(outcome)
    elif isinstance(value, dict):
        # An object may be a chunk (test_sse checks which); it never raises anything untyped.
        assert isinstance(outcome, list | MalformedStream), repr(outcome)
    else:
        assert isinstance(outcome, MalformedStream), repr(outcome)
