"""A reply stream end to end through httpx: framing, decoding, failures and closing."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import httpx
import pytest

from neural_terminal.domain.chat import StreamChunk, TextDelta
from neural_terminal.domain.errors import MalformedStream, StreamErrorPayload, StreamInterrupted
from neural_terminal.upstream import OpenRouterClient
from tests.upstream.conftest import Serve
from tests.upstream.doubles import RecordingStream, split_at
from tests.upstream.samples import (
    EXPECTED_CHUNKS,
    GENERATION_ID,
    REQUEST,
    SSE_HEADERS,
    STREAM_BODY,
    sse,
    text_chunk,
)


def streaming(body: RecordingStream, headers: dict[str, str] = SSE_HEADERS) -> httpx.Response:
    return httpx.Response(200, headers=headers, stream=body)


async def read_into(client: OpenRouterClient, received: list[StreamChunk]) -> str | None:
    """Stream a reply into ``received``; return the generation id."""
    async with client.stream_chat(REQUEST) as stream:
        async for chunk in stream:
            received.append(chunk)
    return stream.generation_id


@pytest.mark.asyncio
@pytest.mark.parametrize("index", range(1, len(STREAM_BODY)))
async def test_a_body_split_anywhere_decodes_the_same(serve: Serve, index: int) -> None:
    client = serve(lambda request: streaming(RecordingStream(split_at(STREAM_BODY, index))))
    received: list[StreamChunk] = []
    assert await read_into(client, received) == GENERATION_ID
    assert received == EXPECTED_CHUNKS


@pytest.mark.asyncio
async def test_a_body_sent_one_byte_at_a_time_decodes_the_same(serve: Serve) -> None:
    one_by_one = [STREAM_BODY[i : i + 1] for i in range(len(STREAM_BODY))]
    client = serve(lambda request: streaming(RecordingStream(one_by_one)))
    received: list[StreamChunk] = []
    await read_into(client, received)
    assert received == EXPECTED_CHUNKS


@pytest.mark.asyncio
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_an_encoded_stream_is_decoded(serve: Serve, encoding: str) -> None:
    packed = gzip.compress(STREAM_BODY) if encoding == "gzip" else zlib.compress(STREAM_BODY)
    headers = {**SSE_HEADERS, "content-encoding": encoding}
    client = serve(lambda request: streaming(RecordingStream(split_at(packed, 9)), headers))
    received: list[StreamChunk] = []
    assert await read_into(client, received) == GENERATION_ID
    assert received == EXPECTED_CHUNKS


@pytest.mark.asyncio
async def test_the_generation_id_header_wins_over_chunk_ids(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("a", chunk_id="gen-chunk"), "[DONE]")])
    headers = {**SSE_HEADERS, "X-Generation-Id": "gen-header"}
    client = serve(lambda request: streaming(body, headers))
    async with client.stream_chat(REQUEST) as stream:
        assert stream.generation_id == "gen-header"
        assert [chunk async for chunk in stream] == [TextDelta("a")]


@pytest.mark.asyncio
async def test_events_without_data_are_skipped(serve: Serve) -> None:
    # Blank lines after a comment or an ``id:`` line dispatch no data.
    raw = f"id: 1\ndata: {text_chunk('a')}\n\n: OPENROUTER PROCESSING\n\n\ndata: [DONE]\n\n"
    client = serve(lambda request: streaming(RecordingStream([raw.encode()])))
    received: list[StreamChunk] = []
    await read_into(client, received)
    assert received == [TextDelta("a")]


@pytest.mark.asyncio
async def test_nothing_after_done_is_read(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("a"), "[DONE]", "not json at all")])
    client = serve(lambda request: streaming(body))
    received: list[StreamChunk] = []
    await read_into(client, received)
    assert received == [TextDelta("a")]


@pytest.mark.asyncio
async def test_a_stream_that_ends_without_done_is_interrupted(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("partial"))])
    client = serve(lambda request: streaming(body))
    received: list[StreamChunk] = []
    with pytest.raises(StreamInterrupted) as caught:
        await read_into(client, received)
    assert received == [TextDelta("partial")]
    assert caught.value.detail.startswith("dropped")
    assert body.closed


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        pytest.param(httpx.RemoteProtocolError("peer closed"), "dropped", id="protocol-error"),
        pytest.param(httpx.ReadError("connection reset"), "dropped", id="read-error"),
        pytest.param(httpx.ReadTimeout("no bytes"), "stalled", id="read-timeout"),
    ],
)
async def test_a_transport_failure_mid_stream_is_interrupted(
    serve: Serve, failure: httpx.TransportError, reason: str
) -> None:
    body = RecordingStream([sse(text_chunk("partial"))], then_raise=failure)
    client = serve(lambda request: streaming(body))
    received: list[StreamChunk] = []
    with pytest.raises(StreamInterrupted) as caught:
        await read_into(client, received)
    assert received == [TextDelta("partial")]
    assert caught.value.detail.startswith(reason)
    assert caught.value.__cause__ is failure
    assert body.closed


@pytest.mark.asyncio
async def test_an_error_payload_mid_stream_raises_after_the_text(serve: Serve) -> None:
    error = '{"error":{"code":"server_error","message":"Provider disconnected"},"choices":[]}'
    body = RecordingStream([sse(text_chunk("partial"), error)])
    client = serve(lambda request: streaming(body))
    received: list[StreamChunk] = []
    with pytest.raises(StreamErrorPayload) as caught:
        await read_into(client, received)
    assert received == [TextDelta("partial")]
    assert caught.value.code == "server_error"
    assert body.closed


@pytest.mark.asyncio
async def test_a_malformed_chunk_mid_stream_is_malformed(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("partial"), "{oops", "[DONE]")])
    client = serve(lambda request: streaming(body))
    with pytest.raises(MalformedStream):
        await read_into(client, [])
    assert body.closed


@pytest.mark.asyncio
async def test_a_success_that_is_not_an_event_stream_is_malformed(serve: Serve) -> None:
    body = RecordingStream([b'{"choices": []}'])
    client = serve(lambda request: streaming(body, {"content-type": "application/json"}))
    with pytest.raises(MalformedStream) as caught:
        await read_into(client, [])
    assert "text/event-stream" in caught.value.detail


@pytest.mark.asyncio
async def test_breaking_out_of_the_loop_closes_the_response(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("a"), text_chunk("b"))], then_hang=True)
    client = serve(lambda request: streaming(body))
    async with client.stream_chat(REQUEST) as stream:
        async for _chunk in stream:
            break
        assert not body.closed
    assert body.closed


@pytest.mark.asyncio
async def test_an_error_in_the_consumer_closes_the_response(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("a"))], then_hang=True)
    client = serve(lambda request: streaming(body))

    async def consume() -> None:
        async with client.stream_chat(REQUEST) as stream:
            async for _chunk in stream:
                raise LookupError("consumer failed")

    with pytest.raises(LookupError):
        await consume()
    assert body.closed


@pytest.mark.asyncio
async def test_cancelling_the_consumer_closes_the_response_at_once(serve: Serve) -> None:
    body = RecordingStream([sse(text_chunk("a"))], then_hang=True)
    client = serve(lambda request: streaming(body))
    first_chunk = asyncio.Event()

    async def consume() -> None:
        async with client.stream_chat(REQUEST) as stream:
            async for _chunk in stream:
                first_chunk.set()

    task = asyncio.create_task(consume())
    await first_chunk.wait()  # the consumer is now waiting on a provider that sends nothing
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert body.closed
