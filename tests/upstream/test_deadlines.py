"""First-byte and between-chunk timeouts, told apart, over real httpx byte streams.

The streams pause on a virtual clock (tests/virtual_time.py): each timeout fires at exactly
its limit, and a gap just inside a limit passes however busy the machine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine

import httpx
import pytest

from neural_terminal.domain.chat import ChatRequest, PromptMessage, TextDelta
from neural_terminal.domain.errors import StreamInterrupted, UpstreamTimeout
from neural_terminal.upstream import OpenRouterClient
from neural_terminal.upstream.streaming.deadlines import (
    DeadlineByteStream,
    FirstByteTimeout,
    StallTimeout,
)
from tests import virtual_time
from tests.upstream.samples import API_KEY, APP_TITLE, APP_URL, BASE_URL

REQUEST = ChatRequest(model="m", messages=(PromptMessage(role="user", content="hi"),))
CHUNK = b'data: {"id":"g","choices":[{"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'
DONE = b"data: [DONE]\n\n"


class PausingStream(httpx.AsyncByteStream):
    """A body that sleeps before given parts: ``(pause_s, bytes)`` pairs."""

    def __init__(self, parts: list[tuple[float, bytes]]) -> None:
        self.parts = parts

    async def __aiter__(self):
        for pause, data in self.parts:
            if pause:
                await asyncio.sleep(pause)
            yield data


Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def _client(parts: list[tuple[float, bytes]], *, first_byte: float, between: float):
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=PausingStream(parts)
        )

    return _client_for(handler, first_byte=first_byte, between=between)


def _client_for(handler: Handler, *, first_byte: float, between: float | None = None):
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


async def _fails_after(
    parts: list[tuple[float, bytes]], *, first_byte: float, between: float
) -> tuple[BaseException, float, list[object]]:
    """The error reading ``parts`` raised, when on the loop's clock, and what came before it."""
    http, client = _client(parts, first_byte=first_byte, between=between)
    seen: list[object] = []
    try:
        async with client.stream_chat(REQUEST) as stream:
            async for chunk in stream:
                seen.append(chunk)
    except Exception as exc:
        return exc, asyncio.get_running_loop().time(), seen
    finally:
        await http.aclose()
    raise AssertionError(f"no timeout; read {seen}")


def test_gaps_just_inside_their_limits_are_fine_though_the_first_is_longer_than_a_gap() -> None:
    async def main() -> list[object]:
        parts = [(0.99, CHUNK), (0.049, CHUNK), (0.049, DONE)]
        http, client = _client(parts, first_byte=1.0, between=0.05)
        try:
            return await _read(client)
        finally:
            await http.aclose()

    assert virtual_time.run(main()) == [TextDelta("Hi"), TextDelta("Hi")]


def test_silence_before_the_first_byte_is_an_upstream_timeout_at_its_limit() -> None:
    error, at, seen = virtual_time.run(_fails_after([(5.0, CHUNK)], first_byte=0.05, between=10.0))
    assert isinstance(error, UpstreamTimeout)
    assert "sent nothing for 0.05 s" in str(error)
    assert isinstance(error.__cause__, FirstByteTimeout)
    assert at == pytest.approx(0.05)
    assert seen == []


def test_silence_between_chunks_is_a_stall_mid_stream_at_its_limit() -> None:
    parts = [(0.5, CHUNK), (5.0, DONE)]
    error, at, seen = virtual_time.run(_fails_after(parts, first_byte=10.0, between=0.05))
    assert isinstance(error, StreamInterrupted)
    assert "stalled" in str(error)
    assert isinstance(error.__cause__, StallTimeout)
    assert at == pytest.approx(0.55)
    assert seen == [TextDelta("Hi")]


async def _first_byte_timeout(handler: Handler) -> tuple[UpstreamTimeout, float]:
    """The timeout a 0.05 s first-byte limit raised against ``handler``, and when."""
    http, client = _client_for(handler, first_byte=0.05)
    try:
        await _read(client)
    except UpstreamTimeout as exc:
        return exc, asyncio.get_running_loop().time()
    finally:
        await http.aclose()
    raise AssertionError("no timeout")


def test_slow_headers_count_against_the_first_byte_timeout() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    error, at = virtual_time.run(_first_byte_timeout(handler))
    assert "NEURAL_TERMINAL_FIRST_BYTE_TIMEOUT_S" in str(error)
    assert at == pytest.approx(0.05)


def test_the_first_byte_deadline_covers_headers_and_body_together() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.03)  # headers after 0.03 s, then the body's first byte is late
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            stream=PausingStream([(0.03, CHUNK)]),
        )

    error, at = virtual_time.run(_first_byte_timeout(handler))
    assert isinstance(error.__cause__, FirstByteTimeout)
    assert at == pytest.approx(0.05)


@pytest.mark.asyncio
async def test_without_limits_the_body_is_passed_through() -> None:
    wrapped = DeadlineByteStream(
        httpx.ByteStream(b"abc"), first_byte_deadline=None, between_chunks_s=None
    )
    assert [part async for part in wrapped] == [b"abc"]
    await wrapped.aclose()
