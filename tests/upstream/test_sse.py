"""Chunk decoding: pure, from one event's data to typed chunks or domain errors."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from neural_terminal.domain.chat import TextDelta, Usage, UsageReport
from neural_terminal.domain.errors import MalformedStream, StreamErrorPayload
from neural_terminal.upstream.streaming.sse import ParsedChunk, StreamDecoder, parse_chunk
from tests.upstream.samples import API_KEY, GENERATION_ID, USAGE_CHUNK, text_chunk


def test_done_is_the_end_of_the_reply() -> None:
    assert parse_chunk("[DONE]") is None


def test_a_text_delta_becomes_text() -> None:
    assert parse_chunk(text_chunk("Hi")) == ParsedChunk(GENERATION_ID, (TextDelta("Hi"),))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param('{"choices":[{"delta":{"role":"assistant","content":""}}]}', id="empty"),
        pytest.param('{"choices":[{"delta":{"role":"assistant"}}]}', id="role-only"),
        pytest.param('{"choices":[{"delta":{"content":null}}]}', id="null-content"),
        pytest.param('{"choices":[{"delta":null}]}', id="null-delta"),
        pytest.param('{"choices":[]}', id="no-choices"),
        pytest.param("{}", id="empty-object"),
    ],
)
def test_a_chunk_without_text_yields_nothing(data: str) -> None:
    parsed = parse_chunk(data)
    assert parsed is not None
    assert parsed.chunks == ()


def test_the_usage_chunk_keeps_cost_as_an_exact_decimal() -> None:
    parsed = parse_chunk(USAGE_CHUNK)
    assert parsed is not None
    (report,) = parsed.chunks
    assert isinstance(report, UsageReport)
    assert report.usage == Usage(
        21, 9, reasoning_tokens=2, cached_tokens=4, cost=Decimal("0.0000123")
    )
    assert report.usage.cost == Decimal("0.0000123")
    assert isinstance(report.usage.cost, Decimal)


def test_usage_null_on_ordinary_chunks_is_ignored() -> None:
    parsed = parse_chunk('{"choices":[{"delta":{"content":"a"}}],"usage":null}')
    assert parsed is not None
    assert parsed.chunks == (TextDelta("a"),)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        pytest.param({"code": "server_error", "message": "Provider disconnected"}, "server_error"),
        pytest.param({"code": 502, "message": "Provider disconnected"}, 502),
    ],
)
def test_an_error_object_mid_stream_raises_with_code_and_message(
    error: dict[str, object], code: object
) -> None:
    data = json.dumps(
        {
            "id": "gen-1",
            "error": error,
            "choices": [{"delta": {"content": ""}, "finish_reason": "error"}],
        }
    )
    with pytest.raises(StreamErrorPayload) as caught:
        parse_chunk(data)
    assert caught.value.code == code
    assert "Provider disconnected" in caught.value.user_message
    assert caught.value.user_message.startswith(StreamErrorPayload.default_message)


def test_the_key_is_masked_in_an_error_payload() -> None:
    data = json.dumps({"error": {"code": 401, "message": f"key {API_KEY} revoked"}})
    with pytest.raises(StreamErrorPayload) as caught:
        parse_chunk(data, secret=API_KEY)
    for text in (str(caught.value), caught.value.user_message, caught.value.detail):
        assert API_KEY not in text


@pytest.mark.parametrize(
    "data",
    [
        pytest.param("{not json", id="invalid-json"),
        pytest.param("", id="empty"),
        pytest.param("[1, 2]", id="array"),
        pytest.param('"text"', id="string"),
        pytest.param("null", id="null"),
        pytest.param("12.5", id="number"),
        pytest.param('{"choices": {}}', id="choices-object"),
        pytest.param('{"choices": [3]}', id="choice-number"),
        pytest.param('{"choices": [{"delta": "hi"}]}', id="delta-string"),
        pytest.param('{"choices": [{"delta": {"content": 7}}]}', id="content-number"),
        pytest.param('{"choices": [{"delta": {}, "finish_reason": 1}]}', id="finish-number"),
        pytest.param('{"id": 5}', id="id-number"),
        pytest.param('{"usage": "lots"}', id="usage-string"),
        pytest.param('{"usage": {"cost": NaN}}', id="cost-nan"),
        pytest.param('{"usage": {"prompt_tokens": 1.5}}', id="count-fraction"),
        pytest.param("[" * 50_000, id="deep-nesting"),
    ],
)
def test_anything_else_is_a_malformed_stream(data: str) -> None:
    with pytest.raises(MalformedStream) as caught:
        parse_chunk(data)
    assert isinstance(caught.value.__cause__, ValueError)


class TestStreamDecoder:
    def test_takes_the_generation_id_from_the_first_chunk_without_a_header(self) -> None:
        decoder = StreamDecoder()
        decoder.feed(text_chunk("a", chunk_id="gen-first"))
        decoder.feed(text_chunk("b", chunk_id="gen-second"))
        assert decoder.generation_id == "gen-first"

    def test_keeps_the_header_id(self) -> None:
        decoder = StreamDecoder("gen-header")
        decoder.feed(text_chunk("a", chunk_id="gen-chunk"))
        assert decoder.generation_id == "gen-header"

    def test_carries_the_finish_reason_into_a_later_usage_chunk(self) -> None:
        decoder = StreamDecoder()
        decoder.feed('{"choices":[{"delta":{"content":""},"finish_reason":"length"}]}')
        (report,) = decoder.feed('{"choices":[],"usage":{"prompt_tokens":1}}')
        assert report == UsageReport(Usage(prompt_tokens=1), finish_reason="length")

    def test_is_done_after_done(self) -> None:
        decoder = StreamDecoder()
        assert decoder.feed("[DONE]") == ()
        assert decoder.done
