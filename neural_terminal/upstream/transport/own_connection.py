"""A reply stream's HTTP/1.1 exchange on a connection of its own, parsed by httptools.

A streamed reply is one network read per token. Through httpcore each read climbed a chain of
async generators (the pool's byte stream, the connection's, h11's event loop with its
per-chunk validation), about a quarter of the backend's CPU per token (bench/load.py
--profile). Here a read is one pass of httptools' C parser (llhttp: status line, headers,
chunked framing), and the body bytes it completed go up as one piece: the client's CPU per
token is 0.70-0.75x what it was (bench/upstream.py).

Only requests that ask for it come here (:data:`OWN_CONNECTION` in the request's extensions),
and only with a body already in memory; everything else stays on httpcore's pool. A stream's
connection is not pooled afterwards: a reply is read up to ``[DONE]`` and its connection closed,
which is what httpcore did with it too (it never saw the body's end). Failures raise httpx's
own exceptions, as httpcore's do, so callers map them the same way.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import httptools
import httpx

from neural_terminal.upstream.transport.failures import mapped

# The extension a request carries to be exchanged here: ``extensions={OWN_CONNECTION: True}``.
OWN_CONNECTION = "neural_terminal.own_connection"

# As much as a read may take at once: a burst of events is parsed in one pass.
READ_SIZE = 1 << 16


def takes_own_connection(request: httpx.Request) -> bool:
    """Whether ``request`` asked for its own connection and can have one (its body is read)."""
    if not request.extensions.get(OWN_CONNECTION):
        return False
    return "transfer-encoding" not in request.headers  # a streamed body stays with httpcore


async def exchange(request: httpx.Request, ssl_context: ssl.SSLContext) -> httpx.Response:
    """Send ``request`` on a new connection; the response with its body still to be read."""
    timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
    url = request.url
    tls = url.scheme == "https"
    port = url.port or (443 if tls else 80)
    with mapped(httpx.ConnectTimeout, httpx.ConnectError):
        async with asyncio.timeout(timeouts.get("connect")):
            reader, writer = await asyncio.open_connection(
                url.host,
                port,
                ssl=ssl_context if tls else None,
                server_hostname=url.host if tls else None,
            )
    try:
        with mapped(httpx.WriteTimeout, httpx.WriteError):
            writer.write(_request_head(request) + await request.aread())
            async with asyncio.timeout(timeouts.get("write")):
                await writer.drain()
        parsed = _ParsedResponse()
        with mapped(httpx.ReadTimeout, httpx.ReadError):
            async with asyncio.timeout(timeouts.get("read")):
                while not parsed.headers_done:
                    read = await reader.read(READ_SIZE)
                    if not read:
                        raise httpx.RemoteProtocolError(
                            "Server disconnected without sending a response."
                        )
                    parsed.feed(read)
    except BaseException:
        writer.close()
        raise
    return httpx.Response(
        parsed.status_code,
        headers=parsed.headers,
        stream=_Body(reader, writer, parsed, read_timeout=timeouts.get("read")),
        extensions={"http_version": parsed.http_version, "reason_phrase": parsed.reason},
    )


def _request_head(request: httpx.Request) -> bytes:
    """The request line and headers (httpx has set Host, Content-Length and the rest)."""
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), request.url.raw_path)]
    lines.extend(b"%s: %s" % (name, value) for name, value in request.headers.raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _ParsedResponse:
    """httptools' callbacks: the final response's status and headers, then its body."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self.status_code = 0
        self.http_version = b"HTTP/1.1"
        self.reason = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.complete = False
        self._body: list[bytes] = []

    def feed(self, read: bytes) -> None:
        """Parse one network read (callbacks fill in what it completed)."""
        try:
            self._parser.feed_data(read)
        except httptools.HttpParserError as exc:
            raise httpx.RemoteProtocolError(f"malformed HTTP response: {exc}") from exc

    def take_body(self) -> bytes:
        """The body bytes parsed since the last call, as one piece."""
        body, self._body = self._body, []
        return body[0] if len(body) == 1 else b"".join(body)

    def ends_at_close(self) -> bool:
        """Whether the body is framed by the connection closing (no length, not chunked)."""
        names = {name.lower() for name, _ in self.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    # httptools' callbacks. An interim response (1xx) is parsed as a message of its own.
    def on_message_begin(self) -> None:
        self.reason = b""
        self.headers = []

    def on_status(self, status: bytes) -> None:
        self.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.status_code = self._parser.get_status_code()
        self.http_version = b"HTTP/" + self._parser.get_http_version().encode("ascii")
        self.headers_done = self.status_code >= 200

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        self.complete = self.headers_done


class _Body(httpx.AsyncByteStream):
    """The response body: one piece per network read that completed any of it."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        parsed: _ParsedResponse,
        *,
        read_timeout: float | None,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._parsed = parsed
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        parsed = self._parsed
        if first := parsed.take_body():  # what came with the headers
            yield first
        while not parsed.complete:
            read = await self._read()
            if not read:
                if parsed.ends_at_close():
                    return
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            parsed.feed(read)
            if body := parsed.take_body():
                yield body

    async def aclose(self) -> None:
        """Close the connection (not kept: see the module's docstring)."""
        self._writer.close()

    async def _read(self) -> bytes:
        with mapped(httpx.ReadTimeout, httpx.ReadError):
            if self._read_timeout is None:
                return await self._reader.read(READ_SIZE)
            async with asyncio.timeout(self._read_timeout):
                return await self._reader.read(READ_SIZE)
