"""httpcore's sockets on asyncio's own streams, for a cheap read per streamed chunk.

httpx reaches the network through httpcore, which on asyncio goes through anyio: every read
opens a cancel scope for its timeout and toggles the socket's reader registration (pause and
resume reading), about 55 CPU microseconds per read on our 2-core machines. A reply streams
one network read per token, so that was a quarter of the backend's CPU per token
(bench/load.py). The same reads on an ``asyncio.StreamReader`` cost a fraction of it: the
reader stays registered, and a timeout is one timer.

(The ``timeout`` parameters are httpcore's interface, hence ASYNC109 is silenced here.)

Only the socket layer changes: httpx's client, httpcore's pool and HTTP/1.1 parsing, TLS
(asyncio's, with the same ``ssl.SSLContext``) and every exception type stay as they were.
"""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from httpcore import (
    AsyncNetworkBackend,
    AsyncNetworkStream,
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    WriteError,
    WriteTimeout,
)

from neural_terminal.upstream.transport.failures import mapped
from neural_terminal.upstream.transport.own_connection import exchange, takes_own_connection

SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)

# Above the largest read httpcore asks for (64 KiB), so the reader never pauses the socket.
READ_BUFFER_LIMIT = 1 << 18


class AsyncioStream(AsyncNetworkStream):
    """One connection: an asyncio reader and writer pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` as soon as any arrive (``b""`` at the end)."""
        with mapped(ReadTimeout, ReadError):
            if timeout is None:
                return await self._reader.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Send ``buffer`` and wait until the socket took it."""
        if not buffer:
            return
        with mapped(WriteTimeout, WriteError):
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()

    async def aclose(self) -> None:
        """Close the connection (without waiting for the peer: closing must not hang)."""
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncNetworkStream:
        """The same connection, now speaking TLS."""
        try:
            with mapped(ConnectTimeout, ConnectError):
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except BaseException:
            await self.aclose()
            raise
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a connection: its TLS object, addresses, socket, readability."""
        transport = self._writer.transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":
            # An idle pooled connection the server closed must not be reused. asyncio reads
            # eagerly, so the close shows as the reader's end rather than a readable socket.
            return self._reader.at_eof() or transport.is_closing()
        return None


class AsyncioBackend(AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        """A TCP connection (TCP_NODELAY, as asyncio sets by default)."""
        with mapped(ConnectTimeout, ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    limit=READ_BUFFER_LIMIT,
                )
        sock = writer.transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> AsyncNetworkStream:
        """A Unix socket connection."""
        with mapped(ConnectTimeout, ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path, limit=READ_BUFFER_LIMIT)
        sock: socket.socket = writer.transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        """Wait (httpcore's retries)."""
        await asyncio.sleep(seconds)


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over :class:`AsyncioBackend`.

    Direct connections only: with a proxy in the environment httpx mounts its own transport
    for the proxied URLs, which keeps working as before. A request marked
    ``OWN_CONNECTION`` (a reply stream) is exchanged on a connection of its own instead of the
    pool's (own_connection.py).
    """

    def __init__(self, *, limits: httpx.Limits, ssl_context: ssl.SSLContext | None = None) -> None:
        # Not super().__init__(): it would build an anyio pool only to have it replaced.
        # By default the SSL context is httpx's own (certifi, or SSL_CERT_FILE / SSL_CERT_DIR).
        self._ssl_context = ssl_context or httpx.create_ssl_context()
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """A reply stream on a connection of its own (own_connection.py); the rest pooled."""
        if takes_own_connection(request):
            return await exchange(request, self._ssl_context)
        return await super().handle_async_request(request)
