"""A reply stream's own HTTP/1.1 connection (upstream/transport/own_connection.py): the parser
fed at every split, then real loopback servers, plain and TLS, through httpx's client."""

from __future__ import annotations

import asyncio
import itertools
import ssl

import httpx
import pytest

from neural_terminal.upstream.transport.network import AsyncioTransport
from neural_terminal.upstream.transport.own_connection import (
    OWN_CONNECTION,
    _ParsedResponse,
    takes_own_connection,
)
from tests.upstream.loopback import read_request, serving, tls_for_localhost

LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=30)
OWN = {OWN_CONNECTION: True}

EVENTS = [b"data: one\n\n", b"data: t\xc3\xbc\n\n", b"data: [DONE]\n\n"]
CHUNKED_SSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    + b"".join(b"%x\r\n%s\r\n" % (len(event), event) for event in EVENTS)
    + b"0\r\n\r\n"
)


def parse(*reads: bytes) -> tuple[_ParsedResponse, bytes]:
    """Feed ``reads`` in turn; the parsed response and all the body it gave."""
    parsed = _ParsedResponse()
    body = b""
    for read in reads:
        parsed.feed(read)
        body += parsed.take_body()
    return parsed, body


@pytest.mark.parametrize("cut", range(1, len(CHUNKED_SSE)))
def test_a_chunked_response_cut_anywhere_parses_the_same(cut: int) -> None:
    parsed, body = parse(CHUNKED_SSE[:cut], CHUNKED_SSE[cut:])
    assert (parsed.status_code, parsed.reason, parsed.complete) == (200, b"OK", True)
    assert parsed.http_version == b"HTTP/1.1"
    assert parsed.headers[0] == (b"content-type", b"text/event-stream")
    assert body == b"".join(EVENTS)


def test_a_response_fed_byte_by_byte_parses_the_same() -> None:
    parsed, body = parse(*(CHUNKED_SSE[i : i + 1] for i in range(len(CHUNKED_SSE))))
    assert parsed.complete
    assert body == b"".join(EVENTS)


def test_the_body_a_read_completed_comes_as_one_piece() -> None:
    parsed = _ParsedResponse()
    parsed.feed(CHUNKED_SSE)
    assert parsed.take_body() == b"".join(EVENTS)  # three chunks, one piece
    assert parsed.take_body() == b""


def test_an_interim_response_is_skipped_for_the_final_one() -> None:
    parsed, body = parse(b"HTTP/1.1 100 Continue\r\nx-interim: 1\r\n\r\n" + CHUNKED_SSE)
    assert (parsed.status_code, parsed.complete, body) == (200, True, b"".join(EVENTS))
    assert (b"x-interim", b"1") not in parsed.headers


def test_garbage_is_a_protocol_error() -> None:
    with pytest.raises(httpx.RemoteProtocolError) as raised:
        parse(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n")
    assert isinstance(raised.value.__cause__, Exception)


def test_only_marked_requests_with_a_body_in_memory_take_their_own_connection() -> None:
    url = "http://127.0.0.1:1/"

    async def streamed() -> object:
        yield b"{}"  # pragma: no cover - never iterated here

    assert takes_own_connection(httpx.Request("POST", url, json={}, extensions=OWN))
    assert not takes_own_connection(httpx.Request("POST", url, json={}))
    assert not takes_own_connection(
        httpx.Request("POST", url, content=streamed(), extensions=OWN)  # type: ignore[arg-type]
    )


def client(
    read_timeout: float = 10.0, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=AsyncioTransport(limits=LIMITS, ssl_context=ssl_context),
        timeout=httpx.Timeout(10.0, read=read_timeout),
    )


async def read_body(response: httpx.Response) -> bytes:
    return b"".join([piece async for piece in response.aiter_bytes()])


@pytest.mark.asyncio
async def test_the_request_goes_out_whole_and_the_stream_comes_back_whole() -> None:
    requests: list[bytes] = []
    closed = asyncio.Event()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_request(reader)
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        requests.append(head + await reader.readexactly(length))
        cuts = [0, 20, 90, 130, len(CHUNKED_SSE)]  # pieces that split lines and chunks
        for start, end in itertools.pairwise(cuts):
            writer.write(CHUNKED_SSE[start:end])
            await writer.drain()
        await reader.read()  # the client closes its connection after the stream
        closed.set()

    async with serving(answer) as (port, accepted), client() as http:
        request = http.build_request(
            "POST", f"http://127.0.0.1:{port}/v1/chat?x=1", json={"a": "ü"}, extensions=OWN
        )
        response = await http.send(request, stream=True)
        body = await read_body(response)
        await response.aclose()
        await closed.wait()

    assert (response.status_code, response.reason_phrase, response.http_version) == (
        200,
        "OK",
        "HTTP/1.1",
    )
    assert body == b"".join(EVENTS)
    assert len(accepted) == 1
    sent = requests[0]
    assert sent.startswith(b"POST /v1/chat?x=1 HTTP/1.1\r\n")
    assert f"host: 127.0.0.1:{port}\r\n".encode() in sent.lower()
    assert sent.endswith(b'\r\n\r\n{"a":"\xc3\xbc"}')


@pytest.mark.asyncio
async def test_each_stream_has_a_connection_of_its_own() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CHUNKED_SSE)
        await writer.drain()
        await reader.read()

    async with serving(answer) as (port, accepted), client() as http:
        for _ in range(2):
            request = http.build_request("GET", f"http://127.0.0.1:{port}/", extensions=OWN)
            response = await http.send(request, stream=True)
            assert await read_body(response) == b"".join(EVENTS)
            await response.aclose()
    assert len(accepted) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("head", "body", "version"),
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n", b"hello", "HTTP/1.1", id="length"
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nconnection: close\r\n", b"to the end", "HTTP/1.1", id="close"
        ),
        pytest.param(b"HTTP/1.0 200 OK\r\n", b"old style", "HTTP/1.0", id="http/1.0"),
    ],
)
async def test_bodies_framed_by_length_or_by_the_close_are_read_whole(
    head: bytes, body: bytes, version: str
) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(head + b"\r\n" + body)
        await writer.drain()

    async with serving(answer) as (port, _), client() as http:
        request = http.build_request("GET", f"http://127.0.0.1:{port}/", extensions=OWN)
        response = await http.send(request, stream=True)
        assert await read_body(response) == body
        await response.aclose()
    assert response.http_version == version


@pytest.mark.asyncio
async def test_an_error_status_has_its_body_read() -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        payload = b'{"error":{"code":429,"message":"slow down"}}'
        writer.write(
            b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 7\r\ncontent-length: %d\r\n\r\n%s"
            % (len(payload), payload)
        )
        await writer.drain()

    async with serving(answer) as (port, _), client() as http:
        request = http.build_request("GET", f"http://127.0.0.1:{port}/", extensions=OWN)
        response = await http.send(request, stream=True)
        await response.aread()
    assert (response.status_code, response.headers["retry-after"]) == (429, "7")
    assert response.json()["error"]["message"] == "slow down"


@pytest.mark.asyncio
async def test_a_connection_dropped_mid_body_is_a_protocol_error() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CHUNKED_SSE[: CHUNKED_SSE.index(b"data: t")])
        await writer.drain()

    async with serving(cut) as (port, _), client() as http:
        request = http.build_request("GET", f"http://127.0.0.1:{port}/", extensions=OWN)
        response = await http.send(request, stream=True)
        pieces: list[bytes] = []
        with pytest.raises(httpx.RemoteProtocolError):
            async for piece in response.aiter_bytes():
                pieces.append(piece)
        await response.aclose()
    assert pieces == [EVENTS[0]]  # what came before the cut was delivered


@pytest.mark.asyncio
async def test_a_server_that_closes_before_answering_is_a_protocol_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)

    async with serving(hang_up) as (port, _), client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"http://127.0.0.1:{port}/", extensions=OWN)


@pytest.mark.asyncio
async def test_a_silent_server_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()

    async with serving(silent) as (port, _), client(read_timeout=0.05) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{port}/", extensions=OWN)


@pytest.mark.asyncio
async def test_nothing_listening_is_a_connect_error() -> None:
    async def never(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise AssertionError("no connection expected")  # pragma: no cover

    async with serving(never) as (port, _):
        pass  # the port is free again once the server closed
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/", extensions=OWN)


@pytest.mark.asyncio
async def test_tls_is_verified_against_the_given_authority() -> None:
    server_tls, trusting = tls_for_localhost()

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CHUNKED_SSE)
        await writer.drain()

    async with serving(answer, tls=server_tls) as (port, _):
        url = f"https://localhost:{port}/"
        async with client(ssl_context=trusting) as http:
            response = await http.send(http.build_request("GET", url, extensions=OWN), stream=True)
            body = await read_body(response)
            await response.aclose()
        async with client() as http:  # the system's authorities
            with pytest.raises(httpx.ConnectError) as refused:
                await http.get(url, extensions=OWN)
    assert body == b"".join(EVENTS)
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
