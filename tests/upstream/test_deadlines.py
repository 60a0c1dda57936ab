"""First-byte and between-chunk timeouts, told apart, over real httpx byte streams."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from neural_terminal.domain.chat import ChatRequest, PromptMessage, TextDelta
from neural_terminal.domain.errors import StreamInterrupted, UpstreamTimeout
from neural_terminal.upstream import OpenRouterClient
from neural_terminal.upstream.deadlines import DeadlineByteStream, FirstByteTimeout, StallTimeout
from tests.upstream.samples import API_KEY, APP_TITLE, APP_URL, BASE_URL

REQUEST = ChatRequest(model="m", messages=(PromptMessage(role="user", content="hi"),))
CHUNK = b'data: {"id":"g","choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
DONE = b"data: [DONE]\n\n"


class PausingStream(httpx.AsyncByteStream):
    """A body that sleeps before given parts (real time, short): ``(pause_s, bytes)`` pairs."""

    def __init__(self, parts: list[tuple[float, bytes]]) -> None:
        self.parts = parts

    async def __aiter__(self):
        for pause, data in self.parts:
            if pause:
                await asyncio.sleep(pause)
            yield data


def _client(parts: list[tuple[float, bytes]], *, first_byte: float, between: float):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=PausingStream(parts)
        )

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = OpenRouterClient(
        http,
        base_url=BASE_URL,
        api_key=API_KEY,
        app_url=APP_URL,
        app_title=APP_TITLE,
        first_byte_timeout_s=first_byte,
        between_chunks_timeout_s=between,
    )
    return http, client


async def _read(client: OpenRouterClient) -> list[object]:
    async with client.stream_chat(REQUEST) as stream:
        return [chunk async for chunk in stream]


@pytest.mark.asyncio
async def test_a_slow_first_byte_within_its_limit_is_fine_though_longer_than_a_gap() -> None:
    http, client = _client([(0.15, CHUNK), (0.0, DONE)], first_byte=1.0, between=0.05)
    assert await _read(client) == [TextDelta("Hi")]
    await http.aclose()


@pytest.mark.asyncio
async def test_silence_before_the_first_byte_is_an_upstream_timeout() -> None:
    http, client = _client([(5.0, CHUNK)], first_byte=0.05, between=10.0)
    with pytest.raises(UpstreamTimeout, match=r"sent nothing for 0.05 s") as raised:
        await _read(client)
    assert isinstance(raised.value.__cause__, FirstByteTimeout)
    await http.aclose()


@pytest.mark.asyncio
async def test_silence_between_chunks_is_a_stall_mid_stream() -> None:
    http, client = _client([(0.0, CHUNK), (5.0, DONE)], first_byte=10.0, between=0.05)
    seen: list[object] = []
    with pytest.raises(StreamInterrupted, match="stalled") as raised:
        async with client.stream_chat(REQUEST) as stream:
            async for chunk in stream:
                seen.append(chunk)
    assert seen == [TextDelta("Hi")]
    assert isinstance(raised.value.__cause__, StallTimeout)
    await http.aclose()


@pytest.mark.asyncio
async def test_slow_headers_count_against_the_first_byte_timeout() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = OpenRouterClient(
        http,
        base_url=BASE_URL,
        api_key=None,
        app_url=APP_URL,
        app_title=APP_TITLE,
        first_byte_timeout_s=0.05,
    )
    with pytest.raises(UpstreamTimeout, match="NEURAL_TERMINAL_FIRST_BYTE_TIMEOUT_S"):
        await _read(client)
    await http.aclose()


@pytest.mark.asyncio
async def test_without_limits_the_body_is_passed_through() -> None:
    wrapped = DeadlineByteStream(
        httpx.ByteStream(b"abc"), first_byte_deadline=None, between_chunks_s=None
    )
    assert [part async for part in wrapped] == [b"abc"]
    await wrapped.aclose()
