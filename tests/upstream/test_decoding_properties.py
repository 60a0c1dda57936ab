"""Property tests: any valid OpenRouter stream, cut anywhere and framed any legal way, decodes
to the same chunks; garbage only ever raises the typed stream errors.

The body goes through the real httpx response and httpx-sse framing (MockTransport), split into
arbitrary network reads, so line endings (LF, CRLF, CR) may be cut between CR and LF and
multi-byte UTF-8 characters may be cut between their bytes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from decimal import Decimal

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neural_terminal.domain.chat import StreamChunk, TextDelta, Usage, UsageReport
from neural_terminal.domain.errors import MalformedStream, StreamError
from neural_terminal.upstream import OpenRouterClient
from tests.upstream.doubles import RecordingStream
from tests.upstream.samples import APP_TITLE, APP_URL, BASE_URL, REQUEST, SSE_HEADERS

PROPERTIES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


@PROPERTIES
@given(stream=framed_streams(), cuts=st.lists(st.integers(min_value=0), max_size=12))
def test_a_valid_stream_decodes_the_same_however_it_is_cut(
    stream: tuple[bytes, list[StreamChunk]], cuts: list[int]
) -> None:
    body, expected = stream
    whole = asyncio.run(_decode([body]))
    assert whole == expected
    assert asyncio.run(_decode(_split(body, cuts))) == whole


def _outcome(parts: list[bytes]) -> BaseException | None:
    try:
        asyncio.run(_decode(parts))
    except Exception as exc:
        return exc
    return None


@PROPERTIES
@given(garbage=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_random_bytes_only_raise_stream_errors(garbage: bytes, cuts: list[int]) -> None:
    error = _outcome(_split(garbage, cuts))
    # Without [DONE] the reply never ended properly: interrupted, or malformed on the way.
    assert isinstance(error, StreamError), repr(error)


@PROPERTIES
@given(payload=st.text(max_size=80).filter(lambda t: "\n" not in t and "\r" not in t))
def test_a_data_line_that_is_not_a_chunk_is_malformed(payload: str) -> None:
    try:
        value = json.loads(payload)
    except ValueError:
        value = None
    body = f"data: {payload}\n\ndata: [DONE]\n\n".encode()
    error = _outcome([body])
    if not payload or payload.strip() == "[DONE]":
        return  # an event without data is skipped; [DONE] is the end
    if isinstance(value, dict) and value.get("error") is None:
        return  # an object: whether it is a valid chunk is test_sse's business
    if isinstance(value, dict):
        assert isinstance(error, StreamError)
    else:
        assert isinstance(error, MalformedStream), repr(error)
