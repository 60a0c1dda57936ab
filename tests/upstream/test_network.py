"""httpx over our asyncio sockets (upstream/transport/network.py), against real loopback
servers: plain and TLS, streamed bodies, pooled connections, and httpx's own errors for every
failure."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from neural_terminal.upstream.transport.network import AsyncioTransport
from tests.upstream.loopback import read_request, serving, tls_for_localhost

LIMITS = httpx.Limits(max_connections=10, max_keepalive_connections=5, keepalive_expiry=30)


async def sse_in_pieces(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer requests on one connection: an event stream written in separate pieces."""
    while True:
        try:
            await read_request(reader)
        except asyncio.IncompleteReadError:
            return
        pieces = [b"data: one\n\n", b"data: t", b"wo\n\n", b"data: [DONE]\n\n"]
        body_length = sum(len(p) for p in pieces)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            + f"content-length: {body_length}\r\n\r\n".encode()
        )
        for piece in pieces:
            writer.write(piece)
            await writer.drain()


def client(transport: AsyncioTransport, read_timeout: float = 10.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(10.0, read=read_timeout))


@pytest.mark.asyncio
async def test_a_streamed_body_arrives_whole_and_the_connection_is_reused() -> None:
    bodies = []
    async with (
        serving(sse_in_pieces) as (port, accepted),
        client(AsyncioTransport(limits=LIMITS)) as http,
    ):
        for _ in range(3):
            async with http.stream("GET", f"http://127.0.0.1:{port}/") as response:
                bodies.append(b"".join([part async for part in response.aiter_bytes()]))
    assert bodies == [b"data: one\n\ndata: two\n\ndata: [DONE]\n\n"] * 3
    assert len(accepted) == 1  # kept alive and pooled


@pytest.mark.asyncio
async def test_a_pooled_connection_the_server_closed_is_replaced() -> None:
    async def one_answer_then_close(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()

    async with (
        serving(one_answer_then_close) as (port, accepted),
        client(AsyncioTransport(limits=LIMITS)) as http,
    ):
        first = await http.get(f"http://127.0.0.1:{port}/")
        connection = first.extensions["network_stream"]
        # Polls a condition: the pool offers no event for a close arriving.
        while not connection.get_extra_info("is_readable"):  # noqa: ASYNC110
            await asyncio.sleep(0.001)
        second = await http.get(f"http://127.0.0.1:{port}/")
    assert (first.text, second.text) == ("ok", "ok")
    assert len(accepted) == 2  # the closed connection was not reused


@pytest.mark.asyncio
async def test_tls_is_verified_against_the_given_authority() -> None:
    server_tls, trusting = tls_for_localhost()

    async with serving(sse_in_pieces, tls=server_tls) as (port, _):
        url = f"https://localhost:{port}/"
        trusted = client(AsyncioTransport(limits=LIMITS, ssl_context=trusting))
        async with trusted as http, http.stream("GET", url) as response:
            body = b"".join([part async for part in response.aiter_bytes()])
            assert response.extensions["network_stream"].get_extra_info("ssl_object")
        async with client(AsyncioTransport(limits=LIMITS)) as http:  # the system's authorities
            with pytest.raises(httpx.ConnectError) as refused:
                await http.get(url)
    assert body.startswith(b"data: one")
    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)


@pytest.mark.asyncio
async def test_a_silent_server_is_a_read_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await reader.read()  # until the client gives up and closes

    async with (
        serving(silent) as (port, _),
        client(AsyncioTransport(limits=LIMITS), read_timeout=0.05) as http,
    ):
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"http://127.0.0.1:{port}/")


@pytest.mark.asyncio
async def test_nothing_listening_is_a_connect_error() -> None:
    async with serving(sse_in_pieces) as (port, _):
        pass  # the port is free again once the server closed
    async with client(AsyncioTransport(limits=LIMITS)) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/")


@pytest.mark.asyncio
async def test_a_connection_dropped_mid_body_is_a_read_error() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()

    async with serving(cut) as (port, _), client(AsyncioTransport(limits=LIMITS)) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(f"http://127.0.0.1:{port}/")
