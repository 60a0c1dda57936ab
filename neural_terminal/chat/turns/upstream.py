"""What the chat services need from the upstream client (the adapter implements it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from neural_terminal.domain.chat import ChatRequest, StreamChunk


class ChatStreamLike(Protocol):
    """What the orchestrator needs from an open upstream stream."""

    generation_id: str | None

    def __aiter__(self) -> AsyncIterator[StreamChunk]:
        """Chunks in order until the reply ends."""
        ...


class ChatUpstream(Protocol):
    """What the orchestrator needs from the upstream client."""

    def stream_chat(self, request: ChatRequest) -> AbstractAsyncContextManager[ChatStreamLike]:
        """Open a streaming completion."""
        ...
