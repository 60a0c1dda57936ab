"""The OpenRouter chat API (or any OpenAI-compatible one) over the shared httpx client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from neural_terminal.domain.chat import ChatRequest, UsageReport
from neural_terminal.domain.errors import UpstreamError
from neural_terminal.domain.models import ModelInfo
from neural_terminal.settings import Settings
from neural_terminal.upstream.catalogue import parse_models
from neural_terminal.upstream.errors import (
    error_before_stream,
    error_for_status,
    first_byte_timeout,
    redact,
)
from neural_terminal.upstream.streaming.deadlines import DeadlineByteStream
from neural_terminal.upstream.streaming.stream import ChatStream
from neural_terminal.upstream.transport.own_connection import OWN_CONNECTION
from neural_terminal.upstream.wire import (
    ShapeError,
    chat_body,
    decimal,
    loads,
    mapping,
    parse_completion,
    preview,
)


class OpenRouterClient:
    """Lists models, streams and completes chats; every failure is a domain error."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str | None,
        app_url: str,
        app_title: str,
        first_byte_timeout_s: float | None = None,
        between_chunks_timeout_s: float | None = None,
    ) -> None:
        self._http = http
        self._first_byte_s = first_byte_timeout_s
        self._between_chunks_s = between_chunks_timeout_s
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._app_url = app_url
        self._app_title = app_title

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Settings) -> OpenRouterClient:
        """A client for the configured upstream; the real key is never sent to the simulator."""
        return cls(
            http,
            base_url=settings.upstream_url,
            api_key=None if settings.uses_simulator else settings.api_key,
            app_url=settings.app_url,
            app_title=settings.app_title,
            first_byte_timeout_s=settings.first_byte_timeout_s,
            between_chunks_timeout_s=settings.read_timeout_s,
        )

    def __repr__(self) -> str:  # the key must never reach a log line
        return f"OpenRouterClient(base_url={self._base_url!r})"

    async def list_models(self) -> list[ModelInfo]:
        """The upstream's model catalogue; malformed entries are skipped."""
        body = await self._read("GET", "/models")
        try:
            return parse_models(loads(body))
        except ShapeError as exc:
            raise self._unreadable("model list", exc, body) from exc

    @asynccontextmanager
    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[ChatStream]:
        """Open a streaming reply; a refusal is raised here, before any chunk is yielded.

        The headers and the first body bytes must arrive within the first-byte timeout; after
        that, a silence longer than the between-chunks timeout ends the stream as stalled.
        """
        loop = asyncio.get_running_loop()
        deadline = None if self._first_byte_s is None else loop.time() + self._first_byte_s
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._open(
                    "POST",
                    "/chat/completions",
                    accept="text/event-stream",
                    json=chat_body(request, stream=True),
                    # The body's reads are timed by DeadlineByteStream, one timer per stream.
                    timeouts=self._stream_timeout(deadline),
                    # Read by httptools, one parse per network read (transport/own_connection.py).
                    extensions={OWN_CONNECTION: True},
                )
        except TimeoutError as exc:
            raise first_byte_timeout(self._first_byte_s) from exc
        if deadline is not None or self._between_chunks_s is not None:
            response.stream = DeadlineByteStream(
                response.stream,  # type: ignore[arg-type]  # always async for AsyncClient
                first_byte_deadline=deadline,
                between_chunks_s=self._between_chunks_s,
            )
        try:
            async with aclosing(
                ChatStream(response, secret=self._api_key, first_byte_timeout_s=self._first_byte_s)
            ) as stream:
                yield stream
        finally:
            # Closing the connection aborts the generation upstream, which is what stops the
            # billing when the user cancels: https://openrouter.ai/docs/api/reference/streaming
            await response.aclose()

    async def generation_cost(self, generation_id: str) -> Decimal | None:
        """The billed ``total_cost`` of a generation (also a cancelled one); None if unknown.

        https://openrouter.ai/docs/api-reference/get-a-generation
        """
        body = await self._read("GET", f"/generation?id={quote(generation_id, safe='')}")
        try:
            data = mapping(mapping(loads(body), "generation").get("data"), "generation.data")
            total = data.get("total_cost")
            return None if total is None else decimal(total, "generation.total_cost")
        except ShapeError as exc:
            raise self._unreadable("generation record", exc, body) from exc

    async def complete(self, request: ChatRequest) -> tuple[str, UsageReport | None]:
        """A whole reply at once (for summaries): its text and usage."""
        body = await self._read("POST", "/chat/completions", json=chat_body(request, stream=False))
        try:
            payload = loads(body)
            if isinstance(payload, dict) and payload.get("error") is not None:
                raise _error_in_body(payload["error"], body, secret=self._api_key)
            return parse_completion(payload)
        except ShapeError as exc:
            raise self._unreadable("reply", exc, body) from exc

    def _unreadable(self, what: str, exc: ShapeError, body: bytes) -> UpstreamError:
        detail = redact(f"{exc}; body={preview(body)!r}", self._api_key)
        return UpstreamError(f"The provider's {what} could not be read.", detail=detail)

    def _headers(self, accept: str) -> dict[str, str]:
        # Attribution: https://openrouter.ai/docs/app-attribution (the docs now name the title
        # header X-OpenRouter-Title and keep X-Title working for backwards compatibility).
        headers = {"Accept": accept, "HTTP-Referer": self._app_url, "X-Title": self._app_title}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _stream_timeout(self, deadline: float | None) -> httpx.Timeout:
        """The client's timeouts, without a read timeout when the stream has deadlines."""
        timeout = self._http.timeout
        if deadline is None and self._between_chunks_s is None:
            return timeout
        return httpx.Timeout(
            connect=timeout.connect, read=None, write=timeout.write, pool=timeout.pool
        )

    async def _open(
        self,
        method: str,
        path: str,
        *,
        accept: str,
        json: dict[str, Any] | None = None,
        timeouts: httpx.Timeout | None = None,
        extensions: dict[str, object] | None = None,
    ) -> httpx.Response:
        """Send a request; return the response with its body unread, or raise its error."""
        try:
            request = self._http.build_request(
                method,
                self._base_url + path,
                headers=self._headers(accept),
                json=json,
                timeout=timeouts or self._http.timeout,
                extensions=extensions,
            )
            response = await self._http.send(request, stream=True)
        except (httpx.TransportError, httpx.InvalidURL) as exc:
            raise error_before_stream(exc) from exc
        if response.is_success:
            return response
        try:
            body = await response.aread()
        except httpx.HTTPError:
            body = b""  # the status alone still says what went wrong
        finally:
            await response.aclose()
        raise error_for_status(
            response.status_code, body, headers=response.headers, secret=self._api_key
        )

    async def _read(self, method: str, path: str, *, json: dict[str, Any] | None = None) -> bytes:
        """Send a request and return its whole successful body."""
        response = await self._open(method, path, accept="application/json", json=json)
        try:
            return await response.aread()
        except httpx.TransportError as exc:
            raise error_before_stream(exc) from exc
        finally:
            await response.aclose()


def _error_in_body(error: object, body: bytes, *, secret: str | None) -> UpstreamError:
    # Once a provider has accepted a request, OpenRouter reports failures with HTTP 200 and
    # an ``error`` object whose code is the status it would have used.
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, bool) or not isinstance(code, int) or not 400 <= code < 600:
        code = 502  # no usable status: the provider failed
    return error_for_status(code, body, secret=secret)
