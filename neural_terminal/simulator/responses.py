"""ASGI responses the simulator needs beyond Starlette's: exact JSON, SSE and broken bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Coroutine, Mapping
from contextlib import aclosing
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from neural_terminal.simulator.replying.streaming import SimulatedDrop
from neural_terminal.simulator.wire import JSON_TYPE, dumps, error_body


class ExactJSONResponse(Response):
    """JSON written by :func:`~neural_terminal.simulator.wire.dumps` (exact Decimals)."""

    media_type = JSON_TYPE

    def render(self, content: object) -> bytes:
        """Serialise ``content``."""
        return dumps(content).encode()


def error_response(
    status: int,
    message: str,
    metadata: Mapping[str, object] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An OpenRouter error body with HTTP ``status``."""
    body = error_body(status, message, metadata)
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=headers)


class SSEResponse:
    """Streams ``body`` as ``text/event-stream``; stops and closes it if the client goes away.

    Headers go out with the first write, so a stalled body delays the first byte. Starlette's
    StreamingResponse neither closes its iterator on disconnect nor lets us bill what was sent.
    """

    def __init__(self, body: AsyncGenerator[bytes, None], headers: Mapping[str, str]) -> None:
        self._body = body
        self._headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        self._headers += [(b"cache-control", b"no-cache")]
        self._headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the stream until it ends or the client disconnects."""
        # A SimulatedDrop raised by the body propagates, so the server breaks the connection.
        await unless_disconnected(receive, self._stream(send))

    async def _stream(self, send: Send) -> None:
        started = False
        async with aclosing(self._body) as body:
            async for data in body:
                if not started:
                    await send(_start(200, self._headers))
                    started = True
                await send({"type": "http.response.body", "body": data, "more_body": True})
        if not started:
            await send(_start(200, self._headers))
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class TruncatedJSONResponse:
    """Announces the whole JSON body, sends half of it, then breaks the connection."""

    def __init__(self, content: object, headers: Mapping[str, str]) -> None:
        self._body = dumps(content).encode()
        self._headers = [
            (b"content-type", JSON_TYPE.encode()),
            (b"content-length", str(len(self._body)).encode()),
            *[(k.lower().encode(), v.encode()) for k, v in headers.items()],
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the first half of the body and raise :class:`SimulatedDrop`."""
        await send(_start(200, self._headers))
        half = self._body[: len(self._body) // 2]
        await send({"type": "http.response.body", "body": half, "more_body": True})
        raise SimulatedDrop("dropped a non-streamed reply halfway")


def _start(status: int, headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {"type": "http.response.start", "status": status, "headers": headers}


async def unless_disconnected(receive: Receive, work: Coroutine[Any, Any, None]) -> bool:
    """Run ``work`` unless the client disconnects first; True when it ran to the end.

    ASGI servers tell an app that its client left only through ``receive``, and writing to a
    gone client is silently ignored, so without this a stalled or streaming reply runs on.
    """
    working = asyncio.ensure_future(work)
    watching = asyncio.ensure_future(_disconnect(receive))
    try:
        await asyncio.wait({working, watching}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        working.cancel()
        watching.cancel()
        await asyncio.wait({working, watching})
    if working.cancelled():
        return False
    working.result()  # re-raises what the work raised
    return True


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
