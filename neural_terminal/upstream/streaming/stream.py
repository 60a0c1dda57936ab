"""One streaming reply: SSE events from an open response, as typed chunks.

Each network read is framed in one call (sse_frames.py) and its events decoded in turn: the
cost per read is a few bytes operations and one JSON parse per event, not a trip through
several async generators per line.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import httpx

from neural_terminal.domain.chat import StreamChunk
from neural_terminal.domain.errors import MalformedStream, StreamInterrupted
from neural_terminal.upstream.errors import error_mid_stream, first_byte_timeout
from neural_terminal.upstream.streaming.deadlines import FirstByteTimeout
from neural_terminal.upstream.streaming.sse import StreamDecoder
from neural_terminal.upstream.streaming.sse_frames import EventFramer


class ChatStream:
    """The chunks of one reply, iterated once; ``OpenRouterClient.stream_chat`` closes it."""

    def __init__(
        self,
        response: httpx.Response,
        *,
        secret: str | None = None,
        first_byte_timeout_s: float | None = None,
    ) -> None:
        self._response = response
        self._first_byte_s = first_byte_timeout_s
        # https://openrouter.ai/docs/api/reference/streaming: the header carries the id;
        # other OpenAI-compatible servers only put it in each chunk's ``id``.
        self._decoder = StreamDecoder(response.headers.get("x-generation-id"), secret=secret)
        # The upstream's id for this generation (to look its cost up later), once known.
        self.generation_id: str | None = self._decoder.generation_id
        self._chunks = self._iterate()

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        return self._chunks

    async def aclose(self) -> None:
        """Stop iterating; the response itself is closed by the owner of the context."""
        await self._chunks.aclose()

    async def _iterate(self) -> AsyncGenerator[StreamChunk, None]:
        content_type = self._response.headers.get("content-type", "")
        if "text/event-stream" not in content_type:
            raise MalformedStream(
                detail=f"expected a text/event-stream response, got {content_type!r}"
            )
        framer = EventFramer()
        reads = self._reads()
        try:
            async for read in reads:
                for data in framer.feed(read):
                    if not data:  # ``data:`` with nothing after it: nothing for us
                        continue
                    chunks = self._decoder.feed(data)
                    self.generation_id = self._decoder.generation_id
                    for chunk in chunks:
                        yield chunk
                    if self._decoder.done:
                        return
        except FirstByteTimeout as exc:  # headers came, then silence: nothing was streamed
            raise first_byte_timeout(self._first_byte_s) from exc
        except httpx.TransportError as exc:
            raise error_mid_stream(exc) from exc
        except httpx.DecodingError as exc:  # a body that cannot be decompressed
            raise MalformedStream(detail=f"{type(exc).__name__}: {exc}") from exc
        finally:
            if (close := getattr(reads, "aclose", None)) is not None:
                await close()  # an async generator: closing it closes the layers under it
        raise StreamInterrupted(detail="dropped: the connection closed before [DONE]")

    def _reads(self) -> AsyncIterator[bytes]:
        """The body's network reads. httpx's decoding chain (two more async generators per
        read) only when the body is encoded: an event stream seldom is."""
        encoding = self._response.headers.get("content-encoding", "identity").strip().lower()
        if encoding != "identity":
            return self._response.aiter_bytes()
        return aiter(self._response.stream)  # type: ignore[arg-type]  # async for AsyncClient
